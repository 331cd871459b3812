// Running statistics of one metric in bounded memory: whatever the run length, a series keeps
// a handful of numbers (and, for windowed thresholds, one value per sample inside the window).
export class RunningStats {
  count = 0;
  first = Number.NaN;
  last = Number.NaN;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  sum = 0;

  add(value: number): void {
    if (!Number.isFinite(value)) return;
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
