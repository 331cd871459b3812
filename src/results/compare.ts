// `exsoak compare A B`: the figures of two runs side by side, and whether B regresses on any of
// them. A figure regresses only when it is worse by more than the relative tolerance AND by more
// than a noise floor of its own, so two healthy runs of the same code do not fail CI.
import type { RunData } from './run-data.ts';
import { elapsed, fmt, signed } from './format.ts';
import { summarizeRun, type ProbeFigures } from './run-summary.ts';

interface FigureRow {
  /** Probe name, or "process". */
  scope: string;
  figure: string;
  unit: string;
  a?: number;
  b?: number;
  /** Which way is better. */
  better: 'lower' | 'higher';
  regression: boolean;
  /** Why it is (or is not) a regression, when it was judged. */
  why?: string;
}

export interface Comparison {
  a: { dir: string; scenario?: string; durationMs: number };
  b: { dir: string; scenario?: string; durationMs: number };
  tolerance: number;
  regression: boolean;
  rows: FigureRow[];
  notes: string[];
}

export interface CompareOptions {
  /** Relative tolerance: 0.1 = B may be 10 % worse. */
  tolerance: number;
}

/** Noise floors: a difference smaller than these is never a regression, whatever the tolerance. */
const NOISE = {
  /** Floor slope: at least this many MB/h, and at least 1 MB of growth over the shorter run. */
  slopeMbPerH: 0.5,
  slopeGrowthMb: 1,
  floorGrowthMb: 1,
  rssMb: 32,
  msgRate: 1,
  /** Drops, reconnects, errors: more than this many extra events. */
  count: 2,
  latencyMs: 5,
} as const;

type Judge = (a: number, b: number) => { regression: boolean; why: string };

function worse(better: 'lower' | 'higher', tolerance: number, floor: number, unit: string): Judge {
  return (a, b) => {
    const by = better === 'lower' ? b - a : a - b;
    const allowed = Math.max(tolerance * Math.abs(a), floor);
    if (by > allowed) return { regression: true, why: `worse by ${fmt(by)} ${unit} > max(${fmt(tolerance * 100)} %, ${fmt(floor)} ${unit})` };
    return { regression: false, why: `within max(${fmt(tolerance * 100)} %, ${fmt(floor)} ${unit})` };
  };
}

export function compareRuns(runA: RunData, runB: RunData, opts: CompareOptions): Comparison {
  const A = summarizeRun(runA);
  const B = summarizeRun(runB);
  const tol = opts.tolerance;
  const rows: FigureRow[] = [];
  const notes: string[] = [];
  const shortestH = Math.max(1e-9, Math.min(A.durationMs, B.durationMs) / 3_600_000);
  // Counts are compared per unit of time: runs of different lengths see different numbers.
  const scale = A.durationMs > 0 && B.durationMs > 0 ? A.durationMs / B.durationMs : 1;
  if (Math.abs(scale - 1) > 0.05) notes.push(`runs differ in length (${elapsed(A.durationMs)} vs ${elapsed(B.durationMs)}): B's counts are scaled by ${fmt(scale)} before judging`);

  const add = (scope: string, figure: string, unit: string, better: 'lower' | 'higher', a: number | undefined, b: number | undefined, judge?: Judge) => {
    const row: FigureRow = { scope, figure, unit, better, regression: false };
    if (a !== undefined && Number.isFinite(a)) row.a = a;
    if (b !== undefined && Number.isFinite(b)) row.b = b;
    if (judge && row.a !== undefined && row.b !== undefined) Object.assign(row, judge(row.a, row.b));
    rows.push(row);
    return row;
  };

  const names = [...new Set([...A.probes.map((p) => p.name), ...B.probes.map((p) => p.name)])];
  for (const name of names) {
    const a = A.probes.find((p) => p.name === name);
    const b = B.probes.find((p) => p.name === name);
    if (!a || !b) {
      notes.push(`probe "${name}" is only in run ${a ? 'A' : 'B'}: not compared`);
      continue;
    }
    addProbe(add, a, b, tol, shortestH, scale);
  }
  add('process', 'max RSS', 'MB', 'lower', A.process.maxRssMb, B.process.maxRssMb, worse('lower', tol, NOISE.rssMb, 'MB'));
  add('process', 'CPU avg', '%', 'lower', A.process.avgCpu, B.process.avgCpu);

  return {
    a: { dir: runA.dir, scenario: scenarioOf(runA), durationMs: A.durationMs },
    b: { dir: runB.dir, scenario: scenarioOf(runB), durationMs: B.durationMs },
    tolerance: tol,
    regression: rows.some((r) => r.regression),
    rows,
    notes,
  };
}

type Add = (scope: string, figure: string, unit: string, better: 'lower' | 'higher', a: number | undefined, b: number | undefined, judge?: Judge) => FigureRow;

function addProbe(add: Add, a: ProbeFigures, b: ProbeFigures, tol: number, shortestH: number, scale: number): void {
  const n = a.name;
  add(n, 'verdict', 'pass', 'higher', a.pass === undefined ? undefined : Number(a.pass), b.pass === undefined ? undefined : Number(b.pass), (x, y) =>
    x === 1 && y === 0 ? { regression: true, why: `passed in A, fails in B${b.error ? ` (${b.error})` : ''}` } : { regression: false, why: 'no new failure' },
  );
  const slopeFloor = Math.max(NOISE.slopeMbPerH, NOISE.slopeGrowthMb / shortestH);
  add(n, 'heap floor slope', 'MB/h', 'lower', a.floorSlopeMbPerH, b.floorSlopeMbPerH, (x, y) => {
    const judged = worse('lower', tol, slopeFloor, 'MB/h')(x, y);
    // Overlapping confidence intervals: the runs are not distinguishable, whatever the medians say.
    if (judged.regression && a.floorSlopeHighMbPerH !== undefined && b.floorSlopeLowMbPerH !== undefined && b.floorSlopeLowMbPerH <= a.floorSlopeHighMbPerH) {
      return { regression: false, why: `B's 95 % interval (from ${fmt(b.floorSlopeLowMbPerH)}) overlaps A's (to ${fmt(a.floorSlopeHighMbPerH)})` };
    }
    return judged;
  });
  add(n, 'heap floor growth', 'MB', 'lower', a.floorGrowthMb, b.floorGrowthMb, worse('lower', tol, NOISE.floorGrowthMb, 'MB'));
  add(n, 'heap used max', 'MB', 'lower', a.heapUsedMaxMb, b.heapUsedMaxMb);
  add(n, 'msg rate avg', 'msg/s', 'higher', a.msgRateAvg, b.msgRateAvg, worse('higher', tol, NOISE.msgRate, 'msg/s'));
  const counts: [string, number | undefined, number | undefined][] = [
    ['unscheduled drops', a.dropsUnscheduled, b.dropsUnscheduled],
    ['reconnects', a.reconnects, b.reconnects],
    ['errors', a.errors, b.errors],
  ];
  for (const [figure, x, y] of counts) {
    add(n, figure, 'count', 'lower', x, y, (ax, by) => worse('lower', tol, NOISE.count, 'events')(ax, by * scale));
  }
  for (const gauge of new Set([...Object.keys(a.latency), ...Object.keys(b.latency)])) {
    add(n, `${gauge} avg`, 'ms', 'lower', a.latency[gauge], b.latency[gauge], worse('lower', tol, NOISE.latencyMs, 'ms'));
  }
}

function scenarioOf(run: RunData): string | undefined {
  const s = run.verdict?.scenario ?? run.run?.scenario;
  return typeof s === 'string' ? s : undefined;
}

/** The side-by-side table for the terminal. */
export function formatComparison(c: Comparison, color = false): string {
  const paint = (code: number, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const head = (label: string, side: Comparison['a']) => `${label}: ${side.dir}${side.scenario ? ` (${side.scenario}, ${elapsed(side.durationMs)})` : ''}`;
  const table: string[][] = [['', 'A', 'B', 'Δ', '']];
  let scope = '';
  for (const r of c.rows) {
    if (r.a === undefined && r.b === undefined) continue;
    if (r.scope !== scope) {
      scope = r.scope;
      table.push([r.scope, '', '', '', '']);
    }
    const value = (v: number | undefined) => (v === undefined ? '—' : r.unit === 'pass' ? (v ? 'pass' : 'FAIL') : fmt(v));
    let delta = '';
    if (r.a !== undefined && r.b !== undefined && r.unit !== 'pass') {
      const d = r.b - r.a;
      delta = signed(d);
      if (r.a !== 0 && Math.abs(r.a) > 1e-9) delta += ` (${signed((d / Math.abs(r.a)) * 100, 2)} %)`;
    }
    const verdict = r.regression ? 'REGRESSION' : r.why ? 'ok' : '';
    table.push([`  ${r.figure}${r.unit === 'pass' || r.unit === 'count' ? '' : ` (${r.unit})`}`, value(r.a), value(r.b), delta, verdict]);
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row) =>
    row
      .map((cell, i) => {
        if (i === 4) return cell === 'REGRESSION' ? paint(31, cell) : cell === 'ok' ? paint(32, cell) : cell;
        return i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!);
      })
      .join('  ')
      .trimEnd(),
  );
  const regressions = c.rows.filter((r) => r.regression);
  const tail = regressions.length
    ? `${paint(31, 'REGRESSION')}: B is worse on ${regressions.length} figure(s):\n${regressions.map((r) => `  ${r.scope} ${r.figure}: ${r.why}`).join('\n')}`
    : `${paint(32, 'no regression')} (tolerance ${fmt(c.tolerance * 100)} %)`;
  return [head('A', c.a), head('B', c.b), '', ...lines, '', ...c.notes.map((n) => `note: ${n}`), tail, ''].join('\n');
}
