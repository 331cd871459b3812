// Per-endpoint request rate limits (requests per rolling second), as the docs give them per
// endpoint: place/modify 10/s/uid, cancel 5/s/uid, market data 10/s/ip. The simulator serves one
// account on one address, so uid and ip collapse to "per endpoint".

const DEFAULT_RATE_LIMITS: Record<string, number> = {
  'trade/place_order': 10,
  'trade/modify_order': 10,
  'trade/cancel_orders': 5,
  'trade/cancel_all_orders': 5,
  'trade/get_pending_orders': 10,
  'trade/get_order_detail': 10,
  account: 10,
  'account/change_position_mode': 10,
  'position/get_pending_positions': 10,
  'market/tickers': 10,
  'market/depth': 10,
  'market/trading_pairs': 10,
};

const FALLBACK_PER_SECOND = 10;

/**
 * A sliding one-second log per endpoint. Each log holds at most `limit` timestamps, so memory is
 * bounded by the sum of the limits however long the run is. Refused requests do not enter the log.
 */
export class RateLimiter {
  private readonly limits: Record<string, number>;
  private readonly logs = new Map<string, number[]>();

  constructor(overrides: Record<string, number> = {}) {
    const normalised: Record<string, number> = {};
    for (const [key, value] of Object.entries(overrides)) normalised[key.replace(/^\/?api\/v1\/futures\//, '')] = value;
    this.limits = { ...DEFAULT_RATE_LIMITS, ...normalised };
  }

  limitOf(endpoint: string): number {
    return this.limits[endpoint] ?? FALLBACK_PER_SECOND;
  }

  /** True when the request may proceed (and records it). */
  allow(endpoint: string, now: number): boolean {
    const limit = this.limitOf(endpoint);
    if (limit <= 0) return false;
    let log = this.logs.get(endpoint);
    if (!log) {
      log = [];
      this.logs.set(endpoint, log);
    }
    while (log.length > 0 && now - log[0]! >= 1000) log.shift();
    if (log.length >= limit) return false;
    log.push(now);
    return true;
  }
}
