// The 8 h checklist's memory table (#17 item 2) in report.html: process RSS at 0, 1/8, 1/4, 1/2,
// 3/4 and the end of the run, labelled in the scenario's hours (h0, h1, h2, h4, h6, h8 for an
// 8 h scenario, also when it was compressed), read back from samples.ndjson.
import { memoryTable, type MemoryRow } from '../shared/memory-table.ts';
import { MB } from '../shared/units.ts';
import { escapeHtml as esc } from './format.ts';
import type { RunData } from './read-run.ts';

/** The rows, or undefined when the folder has no process samples. */
export function runMemoryTable(data: RunData): MemoryRow[] | undefined {
  const proc = data.process;
  if (!proc || proc.t.length === 0) return undefined;
  const resolved = data.run?.resolved as { duration?: unknown; nominalDuration?: unknown } | undefined;
  const startedAt = Date.parse(String(data.run?.startedAt ?? '')) || data.startT;
  const endedAt = Date.parse(String(data.run?.endedAt ?? '')) || data.endT;
  const durationMs = typeof resolved?.duration === 'number' ? resolved.duration : endedAt - startedAt;
  const nominalMs = typeof resolved?.nominalDuration === 'number' ? resolved.nominalDuration : durationMs;
  const points = proc.t.map((t, i) => ({ t, rssMb: proc.rss[i]! / MB })).filter((p) => Number.isFinite(p.rssMb));
  return memoryTable(points, { startedAt, durationMs, nominalMs, endedAt });
}

export function memorySection(data: RunData): string {
  const rows = runMemoryTable(data);
  if (!rows) return '';
  const first = rows[0]?.rssMb ?? null;
  const body = rows
    .map((r) => {
      const ratio = first && r.rssMb !== null ? `${(r.rssMb / first).toFixed(2)} ×` : '—';
      return `<tr><td>${esc(r.label)}</td><td>${esc(at(r.atMs))}</td><td>${r.rssMb === null ? '—' : `${r.rssMb.toFixed(1)} MB`}</td><td>${ratio}</td></tr>`;
    })
    .join('');
  return `<section><h2>Memory table</h2><p class="muted">Process RSS at the 8 h checklist's hours 0, 1, 2, 4, 6 and 8, scaled to this run (0, 1/8, 1/4, 1/2, 3/4 and the end); — where the run ended before.</p>
<table class="memory-table"><thead><tr><th>checkpoint</th><th>at</th><th>RSS</th><th>× initial</th></tr></thead><tbody>${body}</tbody></table></section>`;
}

function at(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
