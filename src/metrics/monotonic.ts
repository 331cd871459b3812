// Probes report counters as running totals; Prometheus counters are incremented. This turns
// each new total into the increment since the last one. A total lower than the last means the
// probe started counting again from zero (a restart), so all of the new total is new: the
// exported counter never goes down, and rate() stays right across the restart. Callers that
// know several totals come from one source reset them together (see RunSeries.onSample).
export class MonotonicDeltas {
  private readonly last = new Map<string, number>();

  /** The increment for `key` given its latest cumulative `value` (0 for bad input). */
  delta(key: string, value: number): number {
    if (!Number.isFinite(value) || value < 0) return 0;
    const prev = this.last.get(key);
    this.last.set(key, value);
    if (prev === undefined) return value;
    return value >= prev ? value - prev : value;
  }

  /** Whether `value` is lower than the last total of `key` (the source started over). */
  wentDown(key: string, value: number): boolean {
    const prev = this.last.get(key);
    return prev !== undefined && Number.isFinite(value) && value < prev;
  }

  /** Forget a key (its next value counts in full, as after a restart). */
  reset(prefix: string): void {
    for (const key of this.last.keys()) if (key.startsWith(prefix)) this.last.delete(key);
  }
}
