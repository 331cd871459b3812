// The 8 h checklist's memory table (#17 item 2) in report.html: process RSS at 0, 1/8, 1/4, 1/2,
// 3/4 and the end of the run, labelled in the scenario's hours (h0, h1, h2, h4, h6, h8 for an
// 8 h scenario, also when it was compressed), read back from samples.ndjson. Like the live
// table and the verdict, it leaves out the heap snapshots' share of RSS (events.ndjson has each
// snapshot's cost); the raw figure is shown beside it when the two differ.
import { InstrumentCost } from '../shared/instrument-cost.ts';
import { memoryTable, type MemoryRow } from '../shared/memory-table.ts';
import { MB } from '../shared/units.ts';
import { escapeHtml as esc } from './format.ts';
import type { RunData } from './run-data.ts';

/** The rows (RSS without the snapshots' share, and raw), or undefined when the folder has no process samples. */
export function runMemoryTables(data: RunData): { rows: MemoryRow[]; raw: MemoryRow[] } | undefined {
  const proc = data.process;
  if (!proc || proc.t.length === 0) return undefined;
  const resolved = data.run?.resolved as { duration?: unknown; nominalDuration?: unknown } | undefined;
  const startedAt = Date.parse(String(data.run?.startedAt ?? '')) || data.startT;
  const endedAt = Date.parse(String(data.run?.endedAt ?? '')) || data.endT;
  const durationMs = typeof resolved?.duration === 'number' ? resolved.duration : endedAt - startedAt;
  const nominalMs = typeof resolved?.nominalDuration === 'number' ? resolved.nominalDuration : durationMs;
  const settledAt = Date.parse(String(data.run?.settledAt ?? ''));
  const opts = { startedAt, durationMs, nominalMs, endedAt, ...(Number.isFinite(settledAt) ? { settledAt } : {}) };
  const raw = proc.t.map((t, i) => ({ t, rss: proc.rss[i]! })).filter((p) => Number.isFinite(p.rss));
  // Events and samples in time order, as the verdict engine saw them.
  const cost = new InstrumentCost();
  const adjusted: { t: number; rssMb: number }[] = [];
  let e = 0;
  for (const p of raw) {
    while (e < data.events.length && data.events[e]!.t <= p.t) cost.onEvent(data.events[e++]!);
    adjusted.push({ t: p.t, rssMb: cost.adjustRss(p.rss) / MB });
  }
  return { rows: withOwn(memoryTable(adjusted, opts), data, opts), raw: memoryTable(raw.map((p) => ({ t: p.t, rssMb: p.rss / MB })), opts) };
}

/** Each process probe's own RSS at the same checkpoints (its own process: no snapshot share to take out). */
function withOwn(rows: MemoryRow[], data: RunData, opts: Parameters<typeof memoryTable>[1]): MemoryRow[] {
  const own = [...data.probes.values()].filter((s) => s.ownProcess);
  if (own.length === 0) return rows;
  const tables = own.map((s) => [s.name, memoryTable(s.t.flatMap((t, i) => (Number.isFinite(s.rss[i]!) ? [{ t, rssMb: s.rss[i]! / MB }] : [])), opts)] as const);
  return rows.map((row, i) => ({ ...row, probesRssMb: Object.fromEntries(tables.map(([name, r]) => [name, r[i]!.rssMb])) }));
}

export function memorySection(data: RunData): string {
  const tables = runMemoryTables(data);
  if (!tables) return '';
  const { rows, raw } = tables;
  const ownNames = [...new Set(rows.flatMap((r) => Object.keys(r.probesRssMb ?? {})))];
  const withRaw = rows.some((r, i) => r.rssMb !== raw[i]!.rssMb);
  const mb = (v: number | null) => (v === null ? '—' : `${v.toFixed(1)} MB`);
  const first = rows[0]?.rssMb ?? null;
  const body = rows
    .map((r, i) => {
      const ratio = first && r.rssMb !== null ? `${(r.rssMb / first).toFixed(2)} ×` : '—';
      const own = ownNames.map((name) => `<td>${mb(r.probesRssMb?.[name] ?? null)}</td>`).join('');
      return `<tr><td>${esc(r.label)}</td><td>${esc(at(r.atMs))}</td><td>${mb(r.rssMb)}</td><td>${ratio}</td>${withRaw ? `<td>${mb(raw[i]!.rssMb)}</td>` : ''}${own}</tr>`;
    })
    .join('');
  const ownHead = ownNames.map((name) => `<th>${esc(name)} RSS (its own)</th>`).join('');
  const ownNote = ownNames.length ? ` RSS is exsoak's own process (the worker probes are inside it); each process probe's own RSS is beside it.` : '';
  const note = withRaw ? ' RSS leaves out what writing heap snapshots added to the process (as the verdict does); raw RSS is beside it.' : '';
  return `<section><h2>Memory table</h2><p class="muted">Process RSS at the 8 h checklist's hours 0, 1, 2, 4, 6 and 8, scaled to this run (0, 1/8, 1/4, 1/2, 3/4 and the end); — where the run ended before.${note}${ownNote}</p>
<table class="memory-table"><thead><tr><th>checkpoint</th><th>at</th><th>RSS</th><th>× initial</th>${withRaw ? '<th>raw RSS (with snapshots)</th>' : ''}${ownHead}</tr></thead><tbody>${body}</tbody></table></section>`;
}

function at(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
