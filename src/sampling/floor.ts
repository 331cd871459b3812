// The one place the heap-floor rule lives: once a probe has reported a full-GC floor, scavenge
// floors (which keep old-space garbage in) are dropped, so every consumer of a Sample can take
// `heapFloor` as it is.

export class FloorRule {
  private readonly sawMajor = new Set<string>();

  apply(probe: string, floor: { floor: number; major: boolean } | undefined): { floor: number; major: boolean } | undefined {
    if (!floor) return undefined;
    if (floor.major) this.sawMajor.add(probe);
    else if (this.sawMajor.has(probe)) return undefined;
    return floor;
  }
}
