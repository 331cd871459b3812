// Keeps a storm of one event kind from flooding events.ndjson: the counters keep exact numbers,
// the event log keeps a readable sample plus how many were held back.

export class EventLimiter {
  private readonly windows = new Map<string, { start: number; used: number; dropped: number }>();
  private readonly perWindow: number;
  private readonly windowMs: number;

  /** Allows `perWindow` events of each key per `windowMs`. */
  constructor(perWindow: number, windowMs = 1000) {
    this.perWindow = perWindow;
    this.windowMs = windowMs;
  }

  /** Undefined = drop this one; a number = emit it, after that many of its key were dropped. */
  take(key = '', now = Date.now()): number | undefined {
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = { start: now, used: 0, dropped: 0 }));
    if (now - w.start >= this.windowMs) {
      w.start = now;
      w.used = 0;
    }
    if (w.used >= this.perWindow) {
      w.dropped++;
      return undefined;
    }
    w.used++;
    const dropped = w.dropped;
    w.dropped = 0;
    return dropped;
  }
}
