// Early leak detection on one worker's post-GC heap floor: a robust trend over a bounded set
// of points, projected over the scenario's nominal duration and compared with a growth budget.
import { theilSen, type TrendResult } from '../stats/trend.ts';
import type { LeakReport, LeakStatus } from '../bus/verdict.ts';
import { MB } from '../shared/units.ts';
import { explainLeak, type LeakRule } from './leak-rules.ts';
import { MIN_POINTS, neededRunMs } from '../shared/leak-timing.ts';

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
  private points: { t: number; y: number }[] = [];
  private firstT?: number;
  private streak = 0;
  private status: LeakStatus = 'insufficient-data';
  private last?: TrendResult;
  private confirmedAt?: number;
  private rule?: LeakRule;
  private lateSlope?: number;
  private readonly settings: LeakSettings;

  constructor(settings: LeakSettings) {
    this.settings = settings;
  }

  /** Adds one floor (bytes) at time t; returns the status after evaluating. */
  add(t: number, floorBytes: number): LeakStatus {
    this.firstT ??= t;
    if (t - this.firstT < this.settings.warmupMs) return this.status;
    this.points.push({ t, y: floorBytes });
    if (this.points.length > this.settings.maxPoints) this.compact();
    this.evaluate();
    return this.status;
  }

  /** Halves the resolution: a long run keeps its whole history at a coarser grain. */
  private compact(): void {
    const merged: { t: number; y: number }[] = [];
    for (let i = 0; i < this.points.length; i += 2) {
      const a = this.points[i]!;
      const b = this.points[i + 1];
      merged.push(b ? { t: (a.t + b.t) / 2, y: (a.y + b.y) / 2 } : a);
    }
    this.points = merged;
  }

  private evaluate(): void {
    if (this.points.length < MIN_POINTS) return;
    const t0 = this.points[0]!.t;
    const trend = theilSen(
      this.points.map((p) => (p.t - t0) / HOUR),
      this.points.map((p) => p.y / MB),
      1 - this.settings.alpha,
    );
    if (!trend) return;
    // A confirmed leak stays confirmed with the figures it was confirmed on: the snapshots taken
    // then collect more than routine GCs do, and would bend the trend afterwards.
    if (this.status === 'confirmed') return;
    this.last = trend;
    this.lateSlope = this.latestHalfSlope();
    const rule = this.firstFailingRule(trend);
    this.rule = rule;
    if (rule === undefined) {
      this.streak++;
      this.status = this.streak >= this.settings.confirmations ? 'confirmed' : 'suspected';
      if (this.status === 'confirmed') this.confirmedAt = this.points.at(-1)!.t;
    } else {
      this.streak = 0;
      // Significant and over budget but held back by a guard, or no trend shown while the interval
      // still reaches past the budget: neither is a conclusion, and the report says so.
      const open = (rule === 'significance' || rule === 'lowBound' || rule === 'budget') && this.last.high * (this.settings.nominalMs / HOUR) > this.settings.budgetBytes / MB;
      this.status = rule === 'minGrowth' || rule === 'slowing' || open ? 'inconclusive' : 'none';
    }
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

  report(): LeakReport {
    const r = this.last;
    const round = (v: number) => Math.round(v * 1000) / 1000;
    const spanMs = this.points.length > 1 ? this.points.at(-1)!.t - this.points[0]!.t : 0;
    const needed = neededRunMs(this.settings);
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
      ...(this.rule ? { heldBy: this.rule } : {}),
      reason: explainLeak({
        status: this.status,
        rule: this.rule,
        trend: r,
        lateSlope: this.lateSlope,
        points: this.points.length,
        spanMs,
        streak: this.streak,
        settings: this.settings,
        series: this.settings.series,
      }),
      ...(this.status === 'confirmed' || this.status === 'none' ? {} : { neededRunMs: needed }),
    };
  }
}
