// Connection rules from the docs: keepalive, 24 h age, incoming-message rate, stream count and the
// per-IP connection-attempt budget. Each is overridable so tests can compress them.
import type { Market } from './streams.ts';

export interface Rules {
  pingIntervalMs: number;
  pongTimeoutMs: number;
  maxConnectionAgeMs: number;
  maxIncomingPerSec: number;
  maxStreamsPerConnection: number;
  maxConnectAttempts: number;
  connectWindowMs: number;
  /**
   * How long before the age limit serverShutdown is announced (Binance: 10 minutes; data keeps
   * flowing meanwhile). Never more than half the age, so compressed ages keep both phases.
   */
  shutdownNoticeMs: number;
}

const SPOT: Rules = {
  pingIntervalMs: 20_000,
  pongTimeoutMs: 60_000,
  maxConnectionAgeMs: 24 * 3_600_000,
  maxIncomingPerSec: 5,
  maxStreamsPerConnection: 1024,
  maxConnectAttempts: 300,
  connectWindowMs: 5 * 60_000,
  shutdownNoticeMs: 10 * 60_000,
};

// USD-M differs in keepalive and incoming rate; unset rules follow the market of the connection.
const USDM: Rules = { ...SPOT, pingIntervalMs: 180_000, pongTimeoutMs: 600_000, maxIncomingPerSec: 10 };

export function resolveRules(market: Market, overrides: Partial<Rules> = {}): Rules {
  const rules = { ...(market === 'spot' ? SPOT : USDM) };
  for (const [key, value] of Object.entries(overrides) as [keyof Rules, number | undefined][]) {
    if (value !== undefined) rules[key] = value;
  }
  return rules;
}

/**
 * Events over a sliding window. Refused events count too (a client hammering a limit stays over
 * it, as on Binance); the list never holds more than `max` times, so memory follows real use.
 */
export class SlidingWindow {
  private readonly max: number;
  private readonly windowMs: number;
  private readonly times: number[] = [];
  last = -Infinity;

  constructor(max: number, windowMs: number) {
    this.max = max;
    this.windowMs = windowMs;
  }

  /** Records an event; false when it is more than `max` in the window. 0 or less = no limit. */
  hit(now: number): boolean {
    this.last = now;
    if (!(this.max > 0) || !Number.isFinite(this.max)) return true;
    const times = this.times;
    while (times.length > 0 && now - times[0]! >= this.windowMs) times.shift();
    const ok = times.length < this.max;
    if (!ok) times.shift();
    times.push(now);
    return ok;
  }
}

/** Connection attempts per IP (Binance: 300 per 5 minutes). */
export class ConnectLimiter {
  private readonly max: number;
  private readonly windowMs: number;
  private readonly byIp = new Map<string, SlidingWindow>();

  constructor(max: number, windowMs: number) {
    this.max = max;
    this.windowMs = windowMs;
  }

  attempt(ip: string, now: number): boolean {
    let window = this.byIp.get(ip);
    if (!window) {
      if (this.byIp.size >= 1024) {
        for (const [key, w] of this.byIp) if (now - w.last >= this.windowMs) this.byIp.delete(key);
      }
      window = new SlidingWindow(this.max, this.windowMs);
      this.byIp.set(ip, window);
    }
    return window.hit(now);
  }
}
