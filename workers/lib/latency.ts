// Latency percentiles of a report interval in fixed memory, for any probe.

/**
 * Linear buckets of `unitMs` up to 64 units, then 8 buckets per doubling (≈ 9 % resolution) for
 * 14 doublings. Adding a sample is an index computation and an increment, whatever the rate.
 */
export class LatencyHistogram {
  private static readonly LINEAR = 64;
  private static readonly PER_DOUBLING = 8;
  private readonly buckets = new Uint32Array(LatencyHistogram.LINEAR + LatencyHistogram.PER_DOUBLING * 14 + 1);
  private readonly unitMs: number;
  count = 0;

  /** `unitMs`: the resolution of the linear part (1 ms for event ages, 0.1 ms for loopback REST). */
  constructor(unitMs = 1) {
    this.unitMs = unitMs;
  }

  add(ms: number): void {
    const v = ms > 0 ? ms / this.unitMs : 0;
    let i: number;
    if (v < LatencyHistogram.LINEAR) i = Math.floor(v);
    else {
      i = LatencyHistogram.LINEAR + Math.floor(Math.log2(v / LatencyHistogram.LINEAR) * LatencyHistogram.PER_DOUBLING);
      if (i >= this.buckets.length) i = this.buckets.length - 1;
    }
    this.buckets[i]!++;
    this.count++;
  }

  /** Upper bound (ms) of the bucket holding quantile `q`, or undefined when empty. */
  quantile(q: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return this.upperBound(i);
    }
    return this.upperBound(this.buckets.length - 1);
  }

  /** p50 and p99 of the interval, then starts a new one; undefined when nothing was measured. */
  drain(): { p50: number; p99: number } | undefined {
    if (this.count === 0) return undefined;
    const result = { p50: this.quantile(0.5)!, p99: this.quantile(0.99)! };
    this.reset();
    return result;
  }

  reset(): void {
    this.buckets.fill(0);
    this.count = 0;
  }

  private upperBound(i: number): number {
    if (i < LatencyHistogram.LINEAR) return (i + 1) * this.unitMs;
    const k = i - LatencyHistogram.LINEAR + 1;
    return Math.round(LatencyHistogram.LINEAR * 2 ** (k / LatencyHistogram.PER_DOUBLING) * this.unitMs * 1000) / 1000;
  }
}
