// Early leak detection on one worker's post-GC heap floor: a robust trend over a bounded set
// of points, projected over the scenario's nominal duration and compared with a growth budget.
import { theilSen, type TrendResult } from '../stats/trend.ts';
import type { LeakReport, LeakStatus } from '../bus/verdict.ts';
import { MB } from '../shared/units.ts';

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
    if (this.points.length < 6) return;
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
    const projected = trend.low * (this.settings.nominalMs / HOUR);
    const spanH = (this.points.at(-1)!.t - t0) / HOUR;
    const suspected =
      trend.pValue < this.settings.alpha &&
      trend.low > 0 &&
      projected > this.settings.budgetBytes / MB &&
      trend.low * spanH >= this.settings.minGrowthBytes / MB;
    if (suspected) {
      this.streak++;
      this.status = this.streak >= this.settings.confirmations ? 'confirmed' : 'suspected';
      if (this.status === 'confirmed') this.confirmedAt = this.points.at(-1)!.t;
    } else {
      this.streak = 0;
      this.status = 'none';
    }
  }

  get current(): LeakStatus {
    return this.status;
  }

  report(): LeakReport {
    const r = this.last;
    const round = (v: number) => Math.round(v * 1000) / 1000;
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
    };
  }
}
