// report.html's run section: where, when and how the run ran, and the resolved scenario with its
// secrets masked.
import { bytes, elapsed, escapeHtml as esc } from './format.ts';
import { redactSecretFields as redact } from '../shared/secrets.ts';
import type { RunData } from './run-data.ts';

export function metadata(data: RunData): string {
  const run = data.run ?? {};
  const resolved = (run.resolved ?? {}) as Record<string, unknown>;
  const versions = (run.versions ?? {}) as Record<string, unknown>;
  const host = (run.host ?? {}) as Record<string, unknown>;
  const end = (run.end ?? {}) as Record<string, unknown>;
  const ms = (v: unknown) => (typeof v === 'number' ? elapsed(v) : undefined);
  const rows: [string, unknown][] = [
    ['scenario', run.scenario ?? data.verdict?.scenario],
    ['files', Array.isArray(run.files) ? run.files.join(', ') : undefined],
    ['started', run.startedAt],
    ['ended', run.endedAt ?? '(not recorded: the run did not finish)'],
    ['end', end.reason ? `${end.reason}${end.detail ? ` (${end.detail})` : ''}` : undefined],
    ['duration', `${elapsed(data.endT - data.startT)}${resolved.nominalDuration ? ` (nominal ${ms(resolved.nominalDuration)})` : ''}`],
    ['target', resolved.target],
    ['seed', resolved.seed],
    ['sample interval', ms(resolved.sampleInterval)],
    ['GC floor interval', ms(resolved.gcFloorInterval)],
    ['injected leaks', Object.keys((run.injectLeaks ?? {}) as object).length ? Object.entries(run.injectLeaks as Record<string, number>).map(([p, r]) => `${p}: ${bytes(r)}/s`).join(', ') : undefined],
    ['versions', Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(' · ') || undefined],
    ['host', [host.hostname, host.platform && `${host.platform}/${host.arch}`, host.cpus && `${host.cpus} CPU${host.cpuModel ? ` (${host.cpuModel})` : ''}`, typeof host.totalMemory === 'number' ? `${bytes(host.totalMemory)} RAM` : undefined].filter(Boolean).join(' · ') || undefined],
  ];
  const dl = rows
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
    .join('');
  const dump = run.resolved ? `<details><summary>resolved scenario</summary><pre>${esc(JSON.stringify(redact(run.resolved), null, 2))}</pre></details>` : '';
  return `<section><h2>Run</h2><dl class="meta">${dl}</dl>${dump}</section>`;
}
