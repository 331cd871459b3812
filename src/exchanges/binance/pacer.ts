// Outgoing frame pacing for one socket. Binance counts every incoming frame against a per-second
// budget (pings, pongs and JSON alike) and drops connections that exceed it, so pongs go through
// here too: they jump the queue but still take a slot.
//
// Frames are spread evenly (one every window/limit) rather than sent in bursts of `limit`: the
// server counts on arrival, and a burst delayed by the network followed by one that is not lands
// two bursts in one of its seconds. Evenly spaced frames need ~window/limit of jitter per frame
// before that can happen.

export type Outgoing = { kind: 'text'; text: string } | { kind: 'pong'; data: Buffer };

export class Pacer {
  /** Frames sent so far (pongs included). */
  sent = 0;
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly sentAt: Float64Array;
  private next = 0;
  private filled = 0;
  private readonly gapMs: number;
  private lastSentAt = -Infinity;
  private readonly queue: Outgoing[] = [];
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly write: (frame: Outgoing) => void;
  private readonly now: () => number;

  /**
   * `limit` frames per sliding `windowMs`. The window should carry a small margin over the
   * server's second because timers may fire a millisecond early and clocks differ.
   */
  constructor(limit: number, windowMs: number, write: (frame: Outgoing) => void, now: () => number = () => performance.now()) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('pacer limit must be a positive integer');
    this.limit = limit;
    this.windowMs = windowMs;
    this.sentAt = new Float64Array(limit);
    this.gapMs = windowMs / limit;
    this.write = write;
    this.now = now;
  }

  get pending(): number {
    return this.queue.length;
  }

  send(text: string): void {
    if (this.disposed) return;
    this.queue.push({ kind: 'text', text });
    this.drain();
  }

  /** Pongs go ahead of queued requests (after earlier pongs) so keepalive never starves. */
  pong(data: Buffer): void {
    if (this.disposed) return;
    let i = 0;
    while (i < this.queue.length && this.queue[i]!.kind === 'pong') i++;
    this.queue.splice(i, 0, { kind: 'pong', data });
    this.drain();
  }

  dispose(): void {
    this.disposed = true;
    this.queue.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private waitMs(now: number): number {
    const spacing = this.lastSentAt + this.gapMs - now;
    const window = this.filled < this.limit ? 0 : this.sentAt[this.next]! + this.windowMs - now;
    return Math.max(0, spacing, window);
  }

  private drain(): void {
    if (this.timer || this.disposed) return;
    while (this.queue.length > 0) {
      const now = this.now();
      const wait = this.waitMs(now);
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.drain();
        }, Math.ceil(wait));
        return;
      }
      const frame = this.queue.shift()!;
      this.sentAt[this.next] = now;
      this.lastSentAt = now;
      this.next = (this.next + 1) % this.limit;
      if (this.filled < this.limit) this.filled++;
      this.sent++;
      this.write(frame);
      if (this.disposed) return;
    }
  }
}
