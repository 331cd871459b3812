// The instrument's share of process RSS. Writing a heap snapshot of a worker makes V8 grow the
// process by several times the heap while it serialises, and what stays after depends on what is
// handed back (the taker returns it: a few MB either way), while the snapshot's own collections
// compact the worker's heap and can leave RSS tens of MB *lower* than before. A run that takes
// snapshots must reach the same RSS verdicts as one that does not, so the taker measures RSS just
// before and after each snapshot and publishes the difference, signed, on the bus
// (`snapshot-start`, then `snapshot` / `snapshot-failed` with `data.rssCostBytes`); consumers
// fold those events into this accumulator and judge `rss - offset`.
// No imports on purpose: a bottom-layer helper any bus consumer may use.

export interface CostEvent {
  t: number;
  probe: string;
  kind: string;
  data?: Record<string, unknown>;
}

export class InstrumentCost {
  /** RSS bytes attributed to snapshots so far: negative when their collections left RSS lower. */
  offsetBytes = 0;
  private readonly inFlight = new Set<string>();
  /** Process RSS when the oldest snapshot in flight began. */
  private rssAtStart?: number;
  /** Probes whose next sample's heap floor still comes from a snapshot's collections. */
  private readonly floorTainted = new Set<string>();

  /** Folds a bus event; returns true when it was a snapshot event. */
  onEvent(event: CostEvent): boolean {
    if (event.kind === 'snapshot-start') {
      const before = Number(event.data?.rssBeforeBytes);
      if (this.inFlight.size === 0 && Number.isFinite(before)) this.rssAtStart = before;
      this.inFlight.add(event.probe);
      this.floorTainted.add(event.probe);
      return true;
    }
    if (event.kind === 'snapshot' || event.kind === 'snapshot-failed') {
      this.inFlight.delete(event.probe);
      if (this.inFlight.size === 0) this.rssAtStart = undefined;
      const cost = Number(event.data?.rssCostBytes ?? 0);
      if (Number.isFinite(cost)) this.offsetBytes += cost;
      return true;
    }
    return false;
  }

  /** A snapshot is being written: RSS is between its before and after, abort checks must wait. */
  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  /**
   * Process RSS without the instrument's share. While a snapshot is written its cost is not
   * known yet (the serialiser's transient peak is several times the heap): RSS is held at its
   * level when the snapshot began.
   */
  adjustRss(rss: number): number {
    const held = this.rssAtStart !== undefined ? Math.min(rss, this.rssAtStart) : rss;
    return Math.max(0, held - this.offsetBytes);
  }

  /**
   * Whether a heap floor of this probe is the probe's own. A snapshot runs V8's most aggressive
   * full collections (it also drops compiled code and caches that the worker rebuilds within
   * seconds), so the floors reported during it and by the first sample after it sit below the
   * probe's real floor and would bend the trend.
   */
  floorIsOwn(probe: string): boolean {
    if (this.inFlight.has(probe)) return false;
    return !this.floorTainted.delete(probe);
  }
}
