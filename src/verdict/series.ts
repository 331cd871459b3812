// Running statistics of one metric in bounded memory: whatever the run length, a series keeps
// a handful of numbers (and, for windowed thresholds, one value per sample inside the window).
export class RunningStats {
  count = 0;
  first = Number.NaN;
  last = Number.NaN;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  sum = 0;
  readonly quantiles = new QuantileSketch();

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    this.quantiles.add(value);
    if (this.count === 0) this.first = value;
    this.count++;
    this.last = value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.sum += value;
  }

  get avg(): number {
    return this.count === 0 ? Number.NaN : this.sum / this.count;
  }
}

/** The values of the last `windowMs` (for `over 10m` thresholds). */
export class WindowSeries {
  private readonly points: { t: number; v: number }[] = [];
  private readonly windowMs: number;

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  add(t: number, value: number): void {
    if (!Number.isFinite(value)) return;
    this.points.push({ t, v: value });
    const from = t - this.windowMs;
    let drop = 0;
    while (drop < this.points.length && this.points[drop]!.t < from) drop++;
    if (drop > 0) this.points.splice(0, drop);
  }

  stats(): RunningStats {
    const stats = new RunningStats();
    for (const p of this.points) stats.add(p.v);
    return stats;
  }
}

/**
 * Quantiles in bounded memory: values fall into logarithmic buckets 1 % wide (DDSketch's idea),
 * so a 24 h run at 1 s sampling costs a few hundred buckets, and p99 is within 1 % of the truth.
 */
class QuantileSketch {
  private static readonly GAMMA = 1.02;
  private static readonly LOG_GAMMA = Math.log(QuantileSketch.GAMMA);
  private readonly positive = new Map<number, number>();
  private readonly negative = new Map<number, number>();
  private zeros = 0;
  count = 0;

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    this.count++;
    if (value === 0) {
      this.zeros++;
      return;
    }
    const map = value > 0 ? this.positive : this.negative;
    const key = Math.ceil(Math.log(Math.abs(value)) / QuantileSketch.LOG_GAMMA);
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  /** The q-quantile (0..1), NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.min(this.count - 1, Math.max(0, Math.ceil(q * this.count) - 1));
    const mid = (key: number) => (2 * QuantileSketch.GAMMA ** key) / (QuantileSketch.GAMMA + 1);
    let seen = 0;
    for (const key of [...this.negative.keys()].sort((a, b) => b - a)) {
      seen += this.negative.get(key)!;
      if (seen > rank) return -mid(key);
    }
    seen += this.zeros;
    if (seen > rank) return 0;
    for (const key of [...this.positive.keys()].sort((a, b) => a - b)) {
      seen += this.positive.get(key)!;
      if (seen > rank) return mid(key);
    }
    return Number.NaN;
  }
}
