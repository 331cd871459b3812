// The figures a reader (and `compare`) wants per probe, computed once from a loaded run: heap
// floor trend and growth, message rate, drops, reconnects, errors, latency gauges.
import { MB } from '../shared/units.ts';
import type { ProbeSeries, RunData } from './run-data.ts';
import { floorPoints, newSeries } from './run-data.ts';
import { mbPerHour, theilSen, type Trend } from './trend.ts';

/** The verdict engine's leak report (`verdict.probes[NAME].leak`, src/verdict/leak.ts), as read back. */
export interface LeakEstimate {
  status?: string;
  points?: number;
  slopeMbPerH?: number;
  lowMbPerH?: number;
  highMbPerH?: number;
  pValue?: number;
  /** Growth projected over the nominal duration from the slope's lower bound, MB. */
  projectedMb?: number;
  budgetMb?: number;
  confirmedAt?: number;
  /** The verdict's sentence: the conclusion, or why there is none. */
  reason?: string;
}

export interface ProbeFigures {
  name: string;
  kind?: string;
  status?: string;
  pass?: boolean;
  error?: string;
  samples: number;
  /** Theil–Sen through the floor series: x in ms since the run started, y in bytes. */
  trend?: Trend;
  /** The slope the figures quote: the verdict's when present, else the one computed here. */
  floorSlopeMbPerH?: number;
  floorSlopeLowMbPerH?: number;
  floorSlopeHighMbPerH?: number;
  slopeSource: 'verdict' | 'samples' | 'none';
  leak?: LeakEstimate;
  /** Median floor of the run's first and last tenth (the first and last point of a short run). */
  floorFirstMb?: number;
  floorLastMb?: number;
  floorGrowthMb?: number;
  heapUsedMaxMb?: number;
  msgRateAvg?: number;
  messages?: number;
  dropsUnscheduled?: number;
  dropsScheduled?: number;
  reconnects?: number;
  errors?: number;
  orders: Record<string, number>;
  /** Run averages of the probe's latency gauges (`latency_ms.p50`…). */
  latency: Record<string, number>;
  unresponsive: number;
}

export interface RunSummary {
  durationMs: number;
  probes: ProbeFigures[];
  process: {
    maxRssMb?: number;
    avgCpu?: number;
    maxCpu?: number;
    heapUsedMaxMb?: number;
    /** The verdict's RSS trend and how much of it the workers' heaps explain. */
    rssLeak?: LeakEstimate;
    workersSlopeMbPerH?: number;
    nativeSlopeMbPerH?: number;
  };
}

/** Counter names of the probe contract (README: thresholds by counter name). */
const COUNTERS = {
  messages: 'messages',
  reconnects: 'ws_reconnects',
  dropsUnscheduled: 'drops.unscheduled',
  dropsScheduled: 'drops.scheduled',
  errors: 'errors',
  orders: ['orders.placed', 'orders.modified', 'orders.cancelled'],
} as const;

export function leakOf(value: unknown): LeakEstimate | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const l = value as Record<string, unknown>;
  const opt = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const leak: LeakEstimate = {
    status: typeof l.status === 'string' ? l.status : undefined,
    points: opt(l.points),
    slopeMbPerH: opt(l.slopeMbPerH),
    lowMbPerH: opt(l.lowMbPerH),
    highMbPerH: opt(l.highMbPerH),
    pValue: opt(l.pValue),
    projectedMb: opt(l.projectedMb),
    budgetMb: opt(l.budgetMb),
    confirmedAt: opt(l.confirmedAt),
    reason: typeof l.reason === 'string' ? l.reason : undefined,
  };
  return leak.status !== undefined || leak.slopeMbPerH !== undefined ? leak : undefined;
}

function maxOf(values: readonly number[]): number | undefined {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) if (v > max) max = v;
  return Number.isFinite(max) ? max : undefined;
}

function messageRateAvg(s: ProbeSeries): { rate?: number; total?: number } {
  let firstT = Number.NaN;
  let lastT = Number.NaN;
  let prev = Number.NaN;
  let total = 0;
  for (let i = 0; i < s.t.length; i++) {
    const n = s.messages[i]!;
    if (Number.isNaN(n)) continue;
    if (Number.isNaN(firstT)) firstT = s.t[i]!;
    else total += n >= prev ? n - prev : n;
    lastT = s.t[i]!;
    prev = n;
  }
  if (Number.isNaN(firstT)) return {};
  // Messages over the time they took, not a mean of per-interval rates (as the verdict does).
  return { rate: lastT > firstT ? (total * 1000) / (lastT - firstT) : undefined, total: s.totals[COUNTERS.messages] };
}

export function probeFigures(data: RunData, s: ProbeSeries): ProbeFigures {
  const verdict = data.verdict?.probes[s.name];
  const floor = floorPoints(s);
  // Relative times keep the intercept small enough to be exact in a double.
  const trend = theilSen(floor.t.map((t) => t - data.startT), floor.y);
  const leak = leakOf(verdict?.leak);
  const msg = messageRateAvg(s);
  const latency: Record<string, number> = {};
  for (const [name, g] of Object.entries(s.gauges)) if (name.startsWith('latency') && g.n > 0) latency[name] = g.sum / g.n;
  const orders: Record<string, number> = {};
  for (const name of COUNTERS.orders) if (name in s.totals) orders[name.slice('orders.'.length)] = s.totals[name]!;
  const fig: ProbeFigures = {
    name: s.name,
    kind: data.kinds[s.name],
    status: verdict?.status,
    pass: verdict?.pass,
    error: verdict?.error,
    samples: s.t.length,
    trend,
    slopeSource: leak?.slopeMbPerH !== undefined ? 'verdict' : trend ? 'samples' : 'none',
    leak,
    heapUsedMaxMb: mb(maxOf(s.heapUsed)),
    msgRateAvg: msg.rate,
    messages: msg.total,
    dropsUnscheduled: s.totals[COUNTERS.dropsUnscheduled],
    dropsScheduled: s.totals[COUNTERS.dropsScheduled],
    reconnects: s.totals[COUNTERS.reconnects],
    errors: s.totals[COUNTERS.errors],
    orders,
    latency,
    unresponsive: s.unresponsive,
  };
  if (leak?.slopeMbPerH !== undefined) {
    fig.floorSlopeMbPerH = leak.slopeMbPerH;
    fig.floorSlopeLowMbPerH = leak.lowMbPerH;
    fig.floorSlopeHighMbPerH = leak.highMbPerH;
  } else if (trend) {
    fig.floorSlopeMbPerH = mbPerHour(trend.slope);
    if (trend.low !== undefined && trend.high !== undefined) {
      fig.floorSlopeLowMbPerH = mbPerHour(trend.low);
      fig.floorSlopeHighMbPerH = mbPerHour(trend.high);
    }
  }
  if (floor.y.length > 0) {
    // Medians of the first and last tenth: one odd GC at either end must not make the growth.
    const k = Math.max(1, Math.floor(floor.y.length / 10));
    fig.floorFirstMb = medianOf(floor.y.slice(0, k)) / MB;
    fig.floorLastMb = medianOf(floor.y.slice(-k)) / MB;
    fig.floorGrowthMb = fig.floorLastMb - fig.floorFirstMb;
  }
  return fig;
}

export function summarizeRun(data: RunData): RunSummary {
  const proc = data.process;
  const cpus = proc ? proc.cpu.filter((v) => !Number.isNaN(v)) : [];
  // RSS is process-wide: every probe line carries it too, so a run without process lines still has it.
  const rss = proc?.rss.length ? proc.rss : [...data.probes.values()].flatMap((s) => s.rss);
  return {
    durationMs: data.endT - data.startT,
    probes: probeNames(data).map((name) => probeFigures(data, data.probes.get(name) ?? newSeries(name))),
    process: {
      maxRssMb: mb(maxOf(rss)),
      avgCpu: cpus.length ? cpus.reduce((a, b) => a + b, 0) / cpus.length : undefined,
      maxCpu: maxOf(cpus),
      heapUsedMaxMb: proc ? mb(maxOf(proc.heapUsed)) : undefined,
      ...processLeak(data.verdict?.process.leak),
    },
  };
}

function processLeak(value: unknown): Pick<RunSummary['process'], 'rssLeak' | 'workersSlopeMbPerH' | 'nativeSlopeMbPerH'> {
  if (!value || typeof value !== 'object') return {};
  const v = value as Record<string, unknown>;
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
  return { rssLeak: leakOf(v.rss), workersSlopeMbPerH: num(v.workersSlopeMbPerH), nativeSlopeMbPerH: num(v.nativeSlopeMbPerH) };
}

/** Sampled probes first, then those only the verdict or scenario knows (dead before a sample). */
export function probeNames(data: RunData): string[] {
  return [...new Set([...data.probes.keys(), ...Object.keys(data.verdict?.probes ?? {}), ...Object.keys(data.kinds)])];
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function mb(bytes: number | undefined): number | undefined {
  return bytes === undefined ? undefined : bytes / MB;
}
