// The periodic report (#17 item 1): the 8 h checklist's hourly report, on the bus as the `report`
// event, one line of reports.ndjson each, a log line and a terminal block. Its text forms live
// here, beside the type, so every consumer prints the same words without importing another.

/** A row of the memory table (computed by src/shared/memory-table.ts: bus and shared are peers). */
export interface MemoryRow {
  label: string;
  atMs: number;
  rssMb: number | null;
  /** Each process probe's own RSS at this checkpoint (kind: process), beside the supervisor's. */
  probesRssMb?: Record<string, number | null>;
}

/** Memory so far and the seed's leak check (current < 1.5 × initial), of one process. */
export interface MemoryFigures {
  currentMb: number | null;
  peakMb: number | null;
  averageMb: number | null;
  initialMb: number | null;
  /** The seed's leak check so far: current < 1.5 × initial. */
  leakCheck: { ratio: number | null; limit: number; pass: boolean | null };
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
  /** A probe that is a process of its own: its own RSS, and the seed's leak check on it. */
  memory?: MemoryFigures;
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
  /**
   * exsoak's own process RSS so far (the supervisor, with the worker probes inside it). A process
   * probe's own memory is in `probes.NAME.memory`.
   */
  memory: MemoryFigures;
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

function figures(m: MemoryFigures): string {
  const check = m.leakCheck.ratio === null ? '—' : `${m.leakCheck.ratio.toFixed(2)} × initial ${m.leakCheck.pass ? '<' : '≥'} ${m.leakCheck.limit} ${m.leakCheck.pass ? 'ok' : 'FAIL'}`;
  return `current ${mb(m.currentMb)}, peak ${mb(m.peakMb)}, average ${mb(m.averageMb)}; leak check ${check}`;
}

/** Whether the report has process probes: then the supervisor's memory is named as such. */
const hasOwnMemory = (r: PeriodicReport) => Object.values(r.probes).some((p) => p.memory);

function memoryFacts(r: PeriodicReport): string {
  return `${hasOwnMemory(r) ? 'exsoak process (supervisor) memory' : 'memory'} ${figures(r.memory)}`;
}

/** A process probe's own memory, where the seed's checks belong. */
function ownMemoryFacts(name: string, p: ProbeReport): string | undefined {
  return p.memory ? `${name} memory (its own RSS) ${figures(p.memory)}` : undefined;
}

function when(r: PeriodicReport): string {
  // A compressed run also says where it stands in the scenario's own hours.
  const scaled = Math.abs(r.nominalHours - r.elapsedHours) > 0.005 ? ` (scenario h${r.nominalHours.toFixed(1)})` : '';
  return `${r.elapsedHours >= 0.1 ? `${r.elapsedHours.toFixed(2)} h` : formatAt(r.elapsedMs)}${scaled}`;
}

/** One line: the log's message. */
export function formatReportLine(r: PeriodicReport): string {
  const probes = Object.entries(r.probes).map(([name, p]) => `${name}: ${probeFacts(p).join(', ')}`);
  const own = Object.entries(r.probes).flatMap(([name, p]) => ownMemoryFacts(name, p) ?? []);
  return `${r.final ? 'final report' : `report ${r.seq}`} at ${when(r)}: ${[...probes, ...own, memoryFacts(r)].join(' | ')}`;
}

/** A few lines for the terminal. */
export function formatReportBlock(r: PeriodicReport): string {
  const lines = [`── ${r.final ? 'final report' : `report ${r.seq}`}, ${r.scenario}, elapsed ${when(r)} ──`];
  for (const [name, p] of Object.entries(r.probes)) lines.push(`  ${name}: ${probeFacts(p).join(', ')}`);
  for (const [name, p] of Object.entries(r.probes)) {
    const own = ownMemoryFacts(name, p);
    if (own) lines.push(`  ${own}`);
  }
  lines.push(`  ${memoryFacts(r)}`);
  return lines.join('\n') + '\n';
}

/** The memory table as text rows (the summary's and the report's). */
export function formatMemoryTable(rows: readonly MemoryRow[]): string[] {
  const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v.toFixed(1)} MB`);
  // Process probes' own RSS beside the supervisor's: the seed's checks are about the client.
  const own = [...new Set(rows.flatMap((row) => Object.keys(row.probesRssMb ?? {})))];
  const cells = rows.map((row) => [row.label, formatAt(row.atMs), fmt(row.rssMb), ...own.map((name) => fmt(row.probesRssMb?.[name]))]);
  const head = ['checkpoint', 'at', own.length ? 'exsoak RSS' : 'RSS', ...own.map((name) => `${name} RSS`)];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [head, ...cells].map((c) => c.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

function formatAt(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
