// Early leak detection on one worker's post-GC heap floor: a robust trend over a bounded set
// of points, projected over the scenario's nominal duration and compared with a growth budget.
import { theilSen, type TrendResult } from '../stats/trend.ts';
import type { LeakReport, LeakStatus } from '../bus/verdict.ts';
import { MB } from '../shared/units.ts';
import { explainLeak, type LeakRule } from './leak-rules.ts';
import { MIN_POINTS, neededRunMs } from '../shared/leak-timing.ts';
import { searchPlateau, type PlateauSearch } from './plateau.ts';

export interface LeakSettings {
  /** Points before this offset from the probe's first sample are ignored (caches, JIT warming up). */
  warmupMs: number;
  /** Growth the heap floor may show over the nominal duration, in bytes. */
  budgetBytes: number;
  /** The run length the budget applies to (a 24 h scenario run for 2 m still projects over 24 h). */
  nominalMs: number;
  /** Significance level of the trend test. */
  alpha: number;
  /** Consecutive suspected evaluations before a leak is confirmed. */
  confirmations: number;
  /**
   * Growth that must have been *observed* (the slope's lower bound over the span of the points),
   * in bytes: significance alone would let a few seconds of a warming-up heap, extrapolated over
   * 24 h, pass for a leak.
   */
  minGrowthBytes: number;
  /** Points kept; older ones are merged pairwise (averaged), so memory is bounded. */
  maxPoints: number;
  /** How often a heap-floor point arrives (max of sample and GC-floor intervals): for "how long a run would need". */
  cadenceMs?: number;
  /** What the points are, for the reason's wording (default heap-floor). */
  series?: 'heap-floor' | 'RSS';
}

export type { LeakReport, LeakStatus } from '../bus/verdict.ts';

const HOUR = 3_600_000;


export class LeakDetector {
  /** Kept points (bytes), each the average of `grain` floors. */
  private kept: { t: number; y: number }[] = [];
  private grain = 1;
  /** Floors not yet kept: fewer than `grain` of them. */
  private bucket?: { t: number; y: number; n: number };
  /** What is judged: the kept points and the bucket's average so far. */
  private points: { t: number; y: number }[] = [];
  private firstT?: number;
  /** Floors seen, warm-up included, and the last one's time: how often they really come. */
  private floors = 0;
  private lastT?: number;
  private streak = 0;
  private status: LeakStatus = 'insufficient-data';
  private last?: TrendResult;
  /** When a leak was first confirmed: the early signal, kept whatever the run later shows. */
  private confirmedAt?: number;
  private rule?: LeakRule;
  private lateSlope?: number;
  private plateau?: PlateauSearch;
  /** The first floors after the warm-up, as they came: where a rise starts (points get merged). */
  private readonly origin: { t: number; y: number }[] = [];
  /** Points added since the last plateau search (it is re-run every few points, not every one). */
  private sinceSearch = Number.POSITIVE_INFINITY;
  private readonly settings: LeakSettings;

  constructor(settings: LeakSettings) {
    this.settings = settings;
  }

  /** Adds one floor (bytes) at time t; returns the status after evaluating. */
  add(t: number, floorBytes: number): LeakStatus {
    this.firstT ??= t;
    this.floors++;
    this.lastT = t;
    if (t - this.firstT < this.settings.warmupMs) return this.status;
    if (this.origin.length < 3) this.origin.push({ t, y: floorBytes / MB });
    this.push({ t, y: floorBytes });
    this.evaluate();
    return this.status;
  }

  /**
   * Keeps a point. Past `maxPoints` the kept points are merged pairwise and the grain doubles:
   * later floors are averaged `grain` at a time before they are kept, so every kept point stands
   * for the same stretch of the run and its start keeps its weight (merging only the whole array
   * again and again left the first minutes as one point averaged over a growing share of the run).
   */
  private push(p: { t: number; y: number }): void {
    this.sinceSearch++;
    if (this.grain === 1) this.kept.push(p);
    else {
      const b = (this.bucket ??= { t: 0, y: 0, n: 0 });
      b.t += p.t;
      b.y += p.y;
      b.n++;
      if (b.n >= this.grain) {
        this.kept.push({ t: b.t / b.n, y: b.y / b.n });
        this.bucket = undefined;
      }
    }
    // The partial average counts: what is judged never holds more than maxPoints.
    if (this.kept.length + (this.bucket ? 1 : 0) > this.settings.maxPoints) {
      this.kept = mergePairs(this.kept);
      this.grain *= 2;
      this.sinceSearch = Number.POSITIVE_INFINITY;
    }
    // Judged at every floor, as before: the partial average so far stands in as the last point.
    const b = this.bucket;
    this.points = b ? [...this.kept, { t: b.t / b.n, y: b.y / b.n }] : this.kept;
  }

  /** The whole run decides: every evaluation judges all the points kept, nothing is frozen. */
  private evaluate(): void {
    if (this.points.length < MIN_POINTS) return;
    const trend = theilSen(
      this.points.map((p) => (p.t - this.points[0]!.t) / HOUR),
      this.points.map((p) => p.y / MB),
      1 - this.settings.alpha,
    );
    if (!trend) return;
    this.last = trend;
    this.lateSlope = this.latestHalfSlope();
    const rule = this.firstFailingRule(trend);
    const rose = trend.pValue < this.settings.alpha && trend.low > 0;
    // A plateau is only looked for after a rise (a flat heap needs no search), every few points.
    if (rose || this.confirmedAt !== undefined || this.status === 'bounded') {
      if (this.sinceSearch >= Math.max(1, Math.floor(this.points.length / 40))) {
        this.plateau = searchPlateau(this.series(), this.paceMbPerH(), 1 - this.settings.alpha, { t: this.origin[0]!.t, y: [...this.origin].map((p) => p.y).sort((a, b) => a - b)[this.origin.length >> 1]! });
        this.sinceSearch = 0;
      }
    } else this.plateau = undefined;
    if (this.isBounded(trend, rule)) {
      this.rule = undefined;
      this.streak = 0;
      this.status = 'bounded';
      return;
    }
    this.rule = rule;
    if (rule === undefined) {
      this.streak++;
      this.status = this.streak >= this.settings.confirmations ? 'confirmed' : 'suspected';
      if (this.status === 'confirmed') this.confirmedAt ??= this.points.at(-1)!.t;
    } else {
      this.streak = 0;
      // Significant and over budget but held back by a guard, or no trend shown while the interval
      // still reaches past the budget: neither is a conclusion, and the report says so.
      const open = (rule === 'significance' || rule === 'lowBound' || rule === 'budget') && trend.high * (this.settings.nominalMs / HOUR) > this.settings.budgetBytes / MB;
      this.status = rule === 'minGrowth' || rule === 'slowing' || open ? 'inconclusive' : 'none';
    }
    // Once confirmed, only a conclusion undoes it: the growth stopped (bounded, above) or even the
    // upper bound stays within the budget (none). The guards that hold a first confirmation back
    // (slowing, minGrowth, an open interval, the streak) are not evidence against a leak: a leak
    // in steps trips `slowing` during every pause between two steps.
    if (this.confirmedAt !== undefined && (this.status === 'inconclusive' || this.status === 'suspected')) this.status = 'confirmed';
  }

  /**
   * Growth that stopped: the floor rose (a trend over budget, or a leak flagged earlier), by at
   * least leak.minGrowth, and has been flat since — its slope's upper bound within the budget's
   * pace — for longer than STEP_FACTOR × the longest flat stretch while it rose (a leak that grows
   * in steps pauses between them) and than half the rise itself.
   */
  private isBounded(trend: TrendResult, rule: LeakRule | undefined): boolean {
    const p = this.plateau;
    if (!p || p.startIndex === undefined) return false;
    const overBudget = rule === undefined || rule === 'slowing' || rule === 'minGrowth';
    const flagged = this.confirmedAt !== undefined || this.status === 'suspected' || this.status === 'bounded';
    if (!(flagged || (trend.pValue < this.settings.alpha && overBudget))) return false;
    return p.riseMb >= this.settings.minGrowthBytes / MB && p.lengthMs >= p.neededMs;
  }

  /**
   * The settings with the floors' cadence as observed when they come less often than configured
   * (a worker's floor budget spaces costly collections out): what a run would need is judged on it.
   */
  private timing(): LeakSettings {
    if (this.floors < 3 || this.firstT === undefined || this.lastT === undefined) return this.settings;
    const observed = (this.lastT - this.firstT) / (this.floors - 1);
    const configured = this.settings.cadenceMs ?? 1000;
    return observed > configured * 1.25 ? { ...this.settings, cadenceMs: Math.round(observed) } : this.settings;
  }

  /** The points in MB, as the plateau search reads them. */
  private series(): { t: number; y: number }[] {
    return this.points.map((p) => ({ t: p.t, y: p.y / MB }));
  }

  /** The budget's own pace, MB/h: growth slower than this over the nominal duration stays within it. */
  private paceMbPerH(): number {
    return this.settings.budgetBytes / MB / (this.settings.nominalMs / HOUR);
  }

  /**
   * The one rule that keeps this trend from being a suspected leak, in the order the decision
   * checks them (docs/leak-detection.md); undefined when every rule agrees on a leak.
   */
  private firstFailingRule(trend: TrendResult): LeakRule | undefined {
    const s = this.settings;
    const nominalH = s.nominalMs / HOUR;
    const spanH = (this.points.at(-1)!.t - this.points[0]!.t) / HOUR;
    if (!(trend.pValue < s.alpha)) return 'significance';
    if (!(trend.low > 0)) return 'lowBound';
    if (!(trend.low * nominalH > s.budgetBytes / MB)) return 'budget';
    // A warming-up heap rises and flattens; a leak keeps its pace. The later half of the points
    // must still grow faster than the budget allows and at no less than half the whole trend's
    // lower bound (its own estimate is ~2.8× noisier), or the trend is the settling, not a leak.
    const late = this.lateSlope;
    if (late !== undefined && (!(late * nominalH > s.budgetBytes / MB) || late < trend.low / 2)) return 'slowing';
    if (!(trend.low * spanH >= s.minGrowthBytes / MB)) return 'minGrowth';
    return undefined;
  }

  /** Theil–Sen slope (MB/h) over the later half of the points, if there are enough of them. */
  private latestHalfSlope(): number | undefined {
    const half = this.points.slice(Math.floor(this.points.length / 2));
    if (half.length < MIN_POINTS) return undefined;
    const t0 = half[0]!.t;
    return theilSen(half.map((p) => (p.t - t0) / HOUR), half.map((p) => p.y / MB), 1 - this.settings.alpha)?.slope;
  }

  get current(): LeakStatus {
    return this.status;
  }

  /** When a leak was first confirmed (the early signal), even if the run later shows it bounded. */
  get firstConfirmedAt(): number | undefined {
    return this.confirmedAt;
  }

  report(): LeakReport {
    const r = this.last;
    const round = (v: number) => Math.round(v * 1000) / 1000;
    const spanMs = this.points.length > 1 ? this.points.at(-1)!.t - this.points[0]!.t : 0;
    const timing = this.timing();
    const needed = neededRunMs(timing);
    const p = this.plateau;
    const bounded = this.status === 'bounded' && p?.startIndex !== undefined ? p : undefined;
    // Growth still under way: how long it would have to stay flat, from now, to be called bounded.
    const open = (this.status === 'confirmed' || this.status === 'suspected' || this.rule === 'slowing') && p ? p : undefined;
    const plateauNeededMs = open ? Math.max(0, Math.round(open.neededMs - open.lengthMs)) : undefined;
    return {
      status: this.status,
      points: this.points.length,
      ...(r
        ? {
            slopeMbPerH: round(r.slope),
            lowMbPerH: round(r.low),
            highMbPerH: round(r.high),
            pValue: Number(r.pValue.toPrecision(3)),
            projectedMb: round(r.low * (this.settings.nominalMs / HOUR)),
          }
        : {}),
      budgetMb: round(this.settings.budgetBytes / MB),
      ...(this.confirmedAt !== undefined ? { confirmedAt: this.confirmedAt } : {}),
      ...(this.rule && this.status !== 'bounded' && this.status !== 'confirmed' ? { heldBy: this.rule } : {}),
      ...(bounded
        ? {
            growthMb: round(bounded.riseMb),
            growthMs: Math.round(bounded.riseMs),
            stoppedAt: Math.round(bounded.startT!),
            plateauMs: Math.round(bounded.lengthMs),
            plateauSlopeMbPerH: round(bounded.slope!),
            plateauHighMbPerH: round(bounded.high!),
          }
        : {}),
      ...(plateauNeededMs !== undefined ? { plateauNeededMs } : {}),
      reason: explainLeak({
        status: this.status,
        rule: this.rule,
        trend: r,
        lateSlope: this.lateSlope,
        points: this.points.length,
        spanMs,
        streak: this.streak,
        settings: timing,
        series: this.settings.series,
        plateau: p,
        paceMbPerH: this.paceMbPerH(),
        everConfirmed: this.confirmedAt !== undefined,
      }),
      ...(this.status === 'confirmed' || this.status === 'none' || this.status === 'bounded' ? {} : { neededRunMs: needed }),
    };
  }
}

/** Neighbours averaged pairwise: half the points, each for twice the stretch. */
function mergePairs(points: { t: number; y: number }[]): { t: number; y: number }[] {
  const merged: { t: number; y: number }[] = [];
  for (let i = 0; i < points.length; i += 2) {
    const a = points[i]!;
    const b = points[i + 1];
    merged.push(b ? { t: (a.t + b.t) / 2, y: (a.y + b.y) / 2 } : a);
  }
  return merged;
}
