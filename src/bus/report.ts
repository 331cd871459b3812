// The periodic report (#17 item 1): the 8 h checklist's hourly report, on the bus as the `report`
// event, one line of reports.ndjson each, a log line and a terminal block. Its text forms live
// here, beside the type, so every consumer prints the same words without importing another.

/** A row of the memory table (computed by src/shared/memory-table.ts: bus and shared are peers). */
export interface MemoryRow {
  label: string;
  atMs: number;
  rssMb: number | null;
}

export interface ProbeReport {
  kind: string;
  status: string;
  errors: number;
  /** Operations that finally failed (executors; the error rate's numerator). */
  operationsFailed?: number;
  ordersPlaced?: number;
  ordersModified?: number;
  /** Reconnect episodes of the probe's logical connection (`ws_reconnects`). */
  wsReconnects?: number;
  /** The executor's state by name (its last `state` event); null before the first. */
  executorState?: string | null;
  /** Every stream the probe opened is open now. null: it has not opened one yet. */
  wsConnected?: boolean | null;
  /** Each stream's own state, by channel or connection name. */
  ws?: Record<string, boolean>;
  messages?: number;
  /** Messages per second since the previous report. */
  msgRate?: number;
  drops?: { scheduled: number; unscheduled: number };
}

export interface PeriodicReport {
  t: number;
  /** ISO form of `t`. */
  time: string;
  scenario: string;
  /** 1, 2, … for the periodic ones; the last one, at the end of the run, is `final`. */
  seq: number;
  final: boolean;
  elapsedMs: number;
  elapsedHours: number;
  /** The scenario's hours (compressed runs): elapsed × nominal ÷ duration. */
  nominalHours: number;
  /** Process RSS so far (the seed measures its own process). */
  memory: {
    currentMb: number | null;
    peakMb: number | null;
    averageMb: number | null;
    initialMb: number | null;
    /** The seed's leak check so far: current < 1.5 × initial. */
    leakCheck: { ratio: number | null; limit: number; pass: boolean | null };
  };
  probes: Record<string, ProbeReport>;
  /** The final report only: RSS at 0, 1/8, 1/4, 1/2, 3/4 and the end of the run. */
  memoryTable?: MemoryRow[];
}

const mb = (v: number | null) => (v === null ? '—' : `${v.toFixed(1)} MB`);

function probeFacts(p: ProbeReport): string[] {
  const facts: string[] = [];
  if (p.ordersPlaced !== undefined) facts.push(`orders placed ${p.ordersPlaced}`);
  if (p.ordersModified !== undefined) facts.push(`modified ${p.ordersModified}`);
  if (p.messages !== undefined) facts.push(`messages ${p.messages}${p.msgRate !== undefined ? ` (${p.msgRate.toFixed(1)}/s)` : ''}`);
  if (p.wsReconnects !== undefined) facts.push(`WS reconnects ${p.wsReconnects}`);
  if (p.drops) facts.push(`drops ${p.drops.unscheduled} unscheduled, ${p.drops.scheduled} scheduled`);
  facts.push(`errors ${p.errors}`);
  if (p.operationsFailed !== undefined) facts.push(`failed operations ${p.operationsFailed}`);
  if (p.executorState !== undefined) facts.push(`state ${p.executorState ?? '—'}`);
  if (p.wsConnected !== undefined) facts.push(`WS ${p.wsConnected === null ? '—' : p.wsConnected ? 'connected' : 'DISCONNECTED'}`);
  if (p.status !== 'running') facts.push(p.status);
  return facts;
}

function memoryFacts(r: PeriodicReport): string {
  const m = r.memory;
  const check = m.leakCheck.ratio === null ? '—' : `${m.leakCheck.ratio.toFixed(2)} × initial ${m.leakCheck.pass ? '<' : '≥'} ${m.leakCheck.limit} ${m.leakCheck.pass ? 'ok' : 'FAIL'}`;
  return `memory current ${mb(m.currentMb)}, peak ${mb(m.peakMb)}, average ${mb(m.averageMb)}; leak check ${check}`;
}

function when(r: PeriodicReport): string {
  // A compressed run also says where it stands in the scenario's own hours.
  const scaled = Math.abs(r.nominalHours - r.elapsedHours) > 0.005 ? ` (scenario h${r.nominalHours.toFixed(1)})` : '';
  return `${r.elapsedHours >= 0.1 ? `${r.elapsedHours.toFixed(2)} h` : formatAt(r.elapsedMs)}${scaled}`;
}

/** One line: the log's message. */
export function formatReportLine(r: PeriodicReport): string {
  const probes = Object.entries(r.probes).map(([name, p]) => `${name}: ${probeFacts(p).join(', ')}`);
  return `${r.final ? 'final report' : `report ${r.seq}`} at ${when(r)}: ${[...probes, memoryFacts(r)].join(' | ')}`;
}

/** A few lines for the terminal. */
export function formatReportBlock(r: PeriodicReport): string {
  const lines = [`── ${r.final ? 'final report' : `report ${r.seq}`}, ${r.scenario}, elapsed ${when(r)} ──`];
  for (const [name, p] of Object.entries(r.probes)) lines.push(`  ${name}: ${probeFacts(p).join(', ')}`);
  lines.push(`  ${memoryFacts(r)}`);
  return lines.join('\n') + '\n';
}

/** The memory table as text rows (the summary's and the report's). */
export function formatMemoryTable(rows: readonly MemoryRow[]): string[] {
  const cells = rows.map((row) => [row.label, formatAt(row.atMs), row.rssMb === null ? '—' : `${row.rssMb.toFixed(1)} MB`]);
  const head = ['checkpoint', 'at', 'RSS'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [head, ...cells].map((c) => c.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

function formatAt(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
