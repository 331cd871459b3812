// Bitunix futures answer errors with HTTP 200 and a non-zero `code`. The numbers and messages follow
// the official error table (openapidoc.bitunix.com, mirrored in tradingiq/bitunix-client
// documentation/error_codes.md) so a client's error mapping is exercised against the real values.

export const CODE = {
  OK: 0,
  PARAM: 10002,
  MISSING_KEY: 10003,
  TOO_MANY_REQUESTS: 10005,
  TOO_FREQUENT: 10006,
  SIGNATURE: 10007,
  MARKET_NOT_EXISTS: 20001,
  ORDER_NOT_FOUND: 20007,
  POSITION_MODE_LOCKED: 20009,
  POSITION_NOT_EXIST: 30004,
  ABNORMAL_ORDER_STATUS: 30011,
  MAX_ORDER_QTY: 30013,
  MAX_BUY_PRICE: 30014,
  MIN_SELL_PRICE: 30015,
  QTY_TOO_SMALL: 30016,
  REDUCE_ONLY_NO_POSITION: 30018,
  REDUCE_ONLY_SAME_DIRECTION: 30019,
  DUPLICATE_CLIENT_ID: 30042,
} as const;

export const MESSAGE: Record<number, string> = {
  0: 'Success',
  10002: 'Parameter Error',
  10003: "api-key can't be empty",
  10005: 'Too many requests, please try again later',
  10006: 'Request too frequently',
  10007: 'Signature Error',
  20001: 'Market not exists',
  20007: 'Order not found, please try it later',
  20009: 'Position exists, so positions mode cannot be updated',
  30004: 'Position not exist',
  30011: 'Abnormal order status',
  30013: 'Exceeded the maximum order quantity',
  30014: 'Max Buy Order Price',
  30015: 'Mini Sell Order Price',
  30016: 'The qty should be larger than',
  30018: 'Order failed. No position opened. Cancel [Reduce-only] settings and retry later',
  30019: 'Order failed. A [Reduce-only] order can not be in the same direction as the open position',
  30042: 'Client ID duplicate',
};

/** What a domain operation returns: the data of a success, or the code (and detail) of a refusal. */
export type Result<T> = { ok: true; data: T } | { ok: false; code: number; msg: string };

export function ok<T>(data: T): Result<T> {
  return { ok: true, data };
}

export function fail(code: number, detail?: string): { ok: false; code: number; msg: string } {
  const base = MESSAGE[code] ?? 'Error';
  return { ok: false, code, msg: detail ? `${base}: ${detail}` : base };
}
