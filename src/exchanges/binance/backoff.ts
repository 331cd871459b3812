// Reconnect pacing. Two independent limits: exponential backoff with full jitter spreads a fleet
// of clients apart after a shared outage, and the connect limiter keeps this process under the
// per-IP cap on connection attempts however the backoff is configured.

/**
 * Delay before reconnect attempt `attempt` (1-based): uniform in [0, min(cap, base·2^(attempt-1))].
 * Full jitter rather than ±x% because synchronised clients otherwise reconnect in waves.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  if (attempt <= 0 || baseMs <= 0) return 0;
  const exponent = Math.min(attempt - 1, 52);
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

export type BackoffMode = 'fixed' | 'exponential';

/**
 * Delay before reconnect attempt `attempt` (1-based) in either mode. `fixed` is the seed client's
 * `reconnect_delay=5`: the same delay every time, jitter-free, so a soak reproduces that client's
 * pacing; the connect limiter still caps attempts per window. `exponential` is backoffDelay().
 */
export function reconnectDelay(mode: BackoffMode, attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  if (attempt <= 0) return 0;
  return mode === 'fixed' ? Math.min(baseMs, maxMs) : backoffDelay(attempt, baseMs, maxMs, random);
}

/**
 * At most `maxAttempts` connection attempts in any sliding window of `windowMs`.
 *
 * A refilling token bucket of capacity N can admit close to 2N attempts inside one window (a full
 * bucket spent at once, then the refill), and Binance counts attempts per window, so this keeps
 * the times of the last N attempts instead: the next one is allowed once the oldest has aged out.
 * Memory is fixed at N numbers.
 */
export class ConnectLimiter {
  readonly maxAttempts: number;
  readonly windowMs: number;
  private readonly times: Float64Array;
  private next = 0;
  private count = 0;
  private readonly now: () => number;

  constructor(maxAttempts = 300, windowMs = 300_000, now: () => number = () => performance.now()) {
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError('maxAttempts must be a positive integer');
    this.maxAttempts = maxAttempts;
    this.windowMs = windowMs;
    this.times = new Float64Array(maxAttempts);
    this.now = now;
  }

  /** Milliseconds until an attempt would be admitted (0 = now). */
  waitMs(now = this.now()): number {
    if (this.count < this.maxAttempts) return 0;
    const oldest = this.times[this.next]!;
    return Math.max(0, Math.ceil(oldest + this.windowMs - now));
  }

  /** Records an attempt if one is admitted now; returns whether it was. */
  tryTake(now = this.now()): boolean {
    if (this.waitMs(now) > 0) return false;
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.maxAttempts;
    if (this.count < this.maxAttempts) this.count++;
    return true;
  }

  /** Attempts recorded within the window ending now. */
  inWindow(now = this.now()): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (now - this.times[i]! < this.windowMs) n++;
    return n;
  }
}

/**
 * The window a client's limiter should use for a venue window of `windowMs`. The venue counts an
 * attempt when its handshake arrives, the limiter when the attempt starts, and the delay between
 * the two varies (a cold first connect is slower than the ones after it): with the venue's exact
 * window, a client running at the limit had its attempt refused at the window's edge. The margin
 * is 1 % (at least 250 ms, at most 5 s): 300 attempts per 5 min 3 s instead of per 5 min.
 */
export function connectWindowWithMargin(windowMs: number): number {
  return windowMs + Math.min(5_000, Math.max(250, windowMs * 0.01));
}
