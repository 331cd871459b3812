// The leak decision in words: which single rule held a trend back, and how long a run would
// need to be to conclude at the current settings. Kept apart from the detector's arithmetic so
// the sentence and the figures in verdict.json come from the same inputs.
import type { TrendResult } from '../stats/trend.ts';
import type { LeakReport, LeakStatus } from '../bus/verdict.ts';
import { formatDuration } from '../shared/units.ts';
import { MIN_POINTS, neededRunMs, type LeakTiming } from '../shared/leak-timing.ts';
import { STEP_FACTOR, type PlateauSearch } from './plateau.ts';

export type LeakRule = NonNullable<LeakReport['heldBy']>;

const HOUR = 3_600_000;
const MB = 1024 * 1024;

export interface ExplainInput {
  status: LeakStatus;
  rule?: LeakRule;
  trend?: TrendResult;
  lateSlope?: number;
  points: number;
  spanMs: number;
  streak: number;
  settings: LeakTiming & { alpha: number };
  /** What the points are, in words: a process probe's and the supervisor's trend is on RSS. */
  series?: 'heap-floor' | 'RSS';
  /** The plateau search (bounded growth), when one was run. */
  plateau?: PlateauSearch;
  /** The budget's pace, MB/h. */
  paceMbPerH?: number;
  /** A leak was confirmed earlier in the run (its early signal went out). */
  everConfirmed?: boolean;
}

const r2 = (v: number) => (Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** One human sentence: what the leak check concluded, or the single reason it did not. */
export function explainLeak(x: ExplainInput): string {
  const s = x.settings;
  const nominal = formatDuration(s.nominalMs);
  const budget = `${r2(s.budgetBytes / MB)} MB`;
  const needed = `a run of at least ${formatDuration(neededRunMs(s))} would be needed at these settings`;
  if (x.status === 'insufficient-data' || !x.trend) {
    return `not enough ${x.series ?? 'heap-floor'} points after the ${formatDuration(s.warmupMs)} warm-up (${x.points}, ${MIN_POINTS} needed): no conclusion; ${needed}`;
  }
  const t = x.trend;
  const projected = t.low * (s.nominalMs / HOUR);
  const figures = `${r2(t.slope)} MB/h [${r2(t.low)}, ${r2(t.high)}], p = ${t.pValue.toPrecision(2)}`;
  switch (x.status) {
    case 'bounded':
      return explainBounded(x, budget);
    case 'confirmed':
      // Confirmed earlier; a guard that would hold a first confirmation back now is no evidence the growth stopped.
      if (x.rule) return `leak confirmed earlier and not shown to have stopped: now ${figures} (the ${x.rule} rule would hold a first confirmation back; only a plateau or a trend within the budget undoes one)${tellApart(x)}`;
      return `leak confirmed: ${figures}; the lower bound projects to ${r2(projected)} MB over ${nominal}, over the ${budget} budget${tellApart(x)}`;
    case 'suspected':
      return `leak suspected: ${figures} projects to ${r2(projected)} MB over ${nominal} (budget ${budget}); ${x.streak} of ${s.confirmations} confirmations`;
    default:
      break;
  }
  switch (x.rule) {
    case 'significance':
    case 'lowBound': {
      const why = x.rule === 'significance' ? `no significant trend (p = ${t.pValue.toPrecision(2)} ≥ alpha ${s.alpha})` : `the slope's lower bound (${r2(t.low)} MB/h) is not above 0`;
      if (x.status === 'inconclusive') return `${why}, but the upper bound ${r2(t.high)} MB/h would project to ${r2(t.high * (s.nominalMs / HOUR))} MB over ${nominal}, past the ${budget} budget: a leak cannot be ruled out yet; ${needed}`;
      return `no leak: ${why}; even the upper bound ${r2(t.high)} MB/h stays within the ${budget} budget over ${nominal}`;
    }
    case 'budget':
      if (x.status === 'inconclusive') return `the lower bound ${r2(t.low)} MB/h projects to ${r2(projected)} MB over ${nominal}, within the ${budget} budget, but the upper bound ${r2(t.high)} MB/h would exceed it: a leak at the budget's pace cannot be ruled out yet; ${needed}`;
      return `no leak over budget: the lower bound ${r2(t.low)} MB/h projects to ${r2(projected)} MB over ${nominal}, within the ${budget} budget (${figures})`;
    case 'slowing':
      return `held back by the warm-up rule: ${figures} projects to ${r2(projected)} MB over ${nominal} (budget ${budget}), but the later half of the points grows at only ${r2(x.lateSlope ?? 0)} MB/h, under the budget's pace or half the trend's lower bound: ${x.series === 'RSS' ? 'RSS' : 'the heap'} is settling, not leaking yet${tellApart(x) || '; a longer leak.warmup or run decides'}`;
    case 'minGrowth':
      return `held back by leak.minGrowth: ${figures} projects to ${r2(projected)} MB over ${nominal} (budget ${budget}), but only ${r2(t.low * (x.spanMs / HOUR))} MB of growth (lower bound × ${formatDuration(x.spanMs)}) was observed, < ${r2(s.minGrowthBytes / MB)} MB; ${needed}`;
    default:
      return `no leak: ${figures}`;
  }
}

/** Growth that stopped: how much, over how long, when it stopped, and the plateau since. */
function explainBounded(x: ExplainInput, budget: string): string {
  const p = x.plateau!;
  const budgetMb = x.settings.budgetBytes / MB;
  const steps = p.longestFlatMs > 0 ? `, over ${STEP_FACTOR}× the longest flat stretch while it grew (${formatDuration(p.longestFlatMs)}: a pause between steps of a leak would be shorter)` : '';
  const flat = `flat for ${formatDuration(p.lengthMs)} since (${r2(p.slope!)} MB/h, upper bound ${r2(p.high!)} MB/h, under the budget's pace of ${r2(x.paceMbPerH ?? 0)} MB/h)${steps}`;
  const early = x.everConfirmed ? '; it was confirmed as a leak while it still grew (that early signal stands in the events and alerts)' : '';
  const within = p.riseMb > budgetMb ? `, but the growth itself (${r2(p.riseMb)} MB) exceeds the ${budget} budget` : `; the growth is within the ${budget} budget`;
  return `bounded: the floor grew ${r2(p.riseMb)} MB over ${formatDuration(p.riseMs)} after the warm-up and stopped, ${flat}${within}${early}`;
}

/**
 * What would tell a cache that is still filling from a leak: the floor staying flat long enough.
 * A plateau must outlast STEP_FACTOR × the longest flat stretch so far (a leak that grows in
 * steps pauses between them) and half the rise.
 */
function tellApart(x: ExplainInput): string {
  const p = x.plateau;
  if (!p) return '';
  const rest = Math.max(0, p.neededMs - p.lengthMs);
  const steps = p.longestFlatMs > 0 ? ` (${STEP_FACTOR}× its longest flat stretch so far, ${formatDuration(p.longestFlatMs)}, as growth in steps pauses that long between them)` : ' (half the time it has grown)';
  const sofar = p.lengthMs > 0 ? `it has been flat for ${formatDuration(p.lengthMs)}; ` : '';
  return `; a cache still filling looks the same until it stops: ${sofar}the floor must stay flat for ${formatDuration(p.neededMs)}${steps} to be judged bounded, so a run at least ${formatDuration(rest)} longer after it stops would tell them apart`;
}
