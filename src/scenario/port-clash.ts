// A process probe's own /metrics port against exsoak's: the 24 h seed's client serves :9091
// itself, which is exsoak's default. Found before anything starts, with the way out.

/** What of a resolved probe this check reads (load.ts's ResolvedProbe has it). */
interface ProbeWithOwn {
  name: string;
  file: string;
  own: Record<string, unknown>;
}

const LOCAL = new Set(['127.0.0.1', 'localhost', '[::1]', '0.0.0.0', '[::]']);

/** The message for exit 2 when a probe's metrics URL is on exsoak's own metrics port, else undefined. */
export function metricsPortClash(probes: readonly ProbeWithOwn[], own: { port: number; host: string }): string | undefined {
  if (own.port === 0) return undefined;
  for (const probe of probes) {
    const url = (probe.own.metrics as { url?: string } | undefined)?.url;
    if (typeof url !== 'string') continue;
    const parsed = new URL(url);
    const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
    const host = parsed.hostname;
    if (port !== own.port || !(LOCAL.has(host) || host.startsWith('127.') || host === own.host)) continue;
    return (
      `${probe.file}: probes.${probe.name}.metrics.url: ${url} is on port ${port}, which is also exsoak's own metrics port ` +
      `(http://${own.host}:${own.port}/metrics): the probe's client and exsoak cannot both listen there. ` +
      `Move exsoak's with --metrics-port N (e.g. --metrics-port 9092, or 0 to disable it) or metrics.port in the scenario.`
    );
  }
  return undefined;
}
