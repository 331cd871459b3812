// Where /metrics may listen. Loopback unless the person running exsoak says otherwise on the
// command line: a scenario file is shared and copied around, so `metrics.host: 0.0.0.0` in one
// must not quietly open a port on every machine that runs it.
import net from 'node:net';

export class MetricsHostError extends Error {}

export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(h) || /^::ffff:127\./.test(h);
  return false;
}

export interface MetricsBind {
  host: string;
  /** Set when the host is not loopback: what to print on the terminal. */
  warning?: string;
}

/**
 * The bind address of a run: `--metrics-host` wins; a non-loopback `metrics.host` from the
 * scenario without that flag is refused, naming the key and the flag.
 */
export function resolveMetricsHost(opts: { scenarioHost?: string; flagHost?: string; file?: string }): MetricsBind {
  if (opts.flagHost !== undefined) {
    const host = opts.flagHost.trim();
    if (host === '') throw new MetricsHostError('--metrics-host: expected an address such as 0.0.0.0, 10.0.0.5 or ::, got ""');
    return isLoopback(host) ? { host } : { host, warning: exposedWarning(host) };
  }
  const host = opts.scenarioHost ?? '127.0.0.1';
  if (!isLoopback(host)) {
    throw new MetricsHostError(
      `${opts.file ?? 'scenario'}: metrics.host: "${host}" is not a loopback address; listening beyond loopback needs the explicit flag --metrics-host ${host} (the scenario alone cannot open the port to other machines)`,
    );
  }
  return { host };
}

function exposedWarning(host: string): string {
  const every = host === '0.0.0.0' || host === '::' ? 'every network interface' : host;
  return `WARNING: /metrics will listen on ${every} (--metrics-host ${host}), reachable from other machines. It serves probe names, the host name and the run's figures (never credentials) without authentication: allow only your Prometheus through the firewall.`;
}
