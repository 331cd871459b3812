// Typed failures of the Bitunix client. `kind` is what a caller decides on (retry, back off,
// reconcile, give up); `ambiguous` says whether the request may have taken effect anyway.
// Messages carry the endpoint and the exchange's code/msg, never headers or credentials.

export type BitunixErrorKind =
  | 'http5xx' // the server failed (5xx)
  | 'http' // another unexpected HTTP status
  | 'rate_limit' // 10005 / 10006 / HTTP 429: refused, nothing happened
  | 'timeout' // no answer in time
  | 'network' // connection refused / reset / DNS
  | 'auth' // 10003 / 10004 / 10007, HTTP 401/403: retrying cannot help
  | 'reject' // the exchange understood and refused (business error code)
  | 'parse' // an answer that is not the documented envelope
  | 'ws' // websocket-level failure
  | 'aborted'; // the caller gave up

/** Exchange codes (HTTP 200 envelope) with a meaning the client acts on. */
export const BitunixCode = {
  ok: 0,
  network: 10001,
  parameter: 10002,
  missingApiKey: 10003,
  ipNotWhitelisted: 10004,
  tooManyRequests: 10005,
  requestTooFrequent: 10006,
  signature: 10007,
  orderNotFound: 20007,
  positionModeLocked: 20009,
  abnormalOrderStatus: 30011,
  positionNotExist: 30004,
  duplicateClientId: 30042,
} as const;

const AUTH_CODES = new Set<number>([BitunixCode.missingApiKey, BitunixCode.ipNotWhitelisted, BitunixCode.signature]);
const RATE_LIMIT_CODES = new Set<number>([BitunixCode.tooManyRequests, BitunixCode.requestTooFrequent]);

export function kindOfCode(code: number): BitunixErrorKind {
  if (AUTH_CODES.has(code)) return 'auth';
  if (RATE_LIMIT_CODES.has(code)) return 'rate_limit';
  // 10001 "Network Error" is the exchange's own internal failure: it may or may not have acted.
  if (code === BitunixCode.network) return 'http5xx';
  return 'reject';
}

export interface BitunixErrorInit {
  kind: BitunixErrorKind;
  endpoint?: string;
  code?: number;
  status?: number;
  ambiguous?: boolean;
  retryAfterMs?: number;
  cause?: unknown;
}

export class BitunixError extends Error {
  override name = 'BitunixError';
  readonly kind: BitunixErrorKind;
  readonly endpoint: string | undefined;
  /** The exchange's business code when there was an envelope. */
  readonly code: number | undefined;
  /** The HTTP status when there was an HTTP answer. */
  readonly status: number | undefined;
  /** True when the request may have been executed even though it failed (timeouts, 5xx). */
  readonly ambiguous: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, init: BitunixErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.endpoint = init.endpoint;
    this.code = init.code;
    this.status = init.status;
    this.ambiguous = init.ambiguous ?? false;
    this.retryAfterMs = init.retryAfterMs;
  }

  /** A plain, log-safe summary. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, kind: this.kind, endpoint: this.endpoint, code: this.code, status: this.status, message: this.message };
  }
}

/** The exchange answered with a non-zero code in the `{code,msg,data}` envelope. */
export class BitunixApiError extends BitunixError {
  override name = 'BitunixApiError';
  readonly exchangeMessage: string;

  constructor(endpoint: string, code: number, exchangeMessage: string, status = 200) {
    const kind = kindOfCode(code);
    const hint = kind === 'auth' ? ' (check BITUNIX_API_KEY / BITUNIX_API_SECRET, the IP whitelist and the clock)' : '';
    super(`Bitunix ${endpoint} failed: code ${code} ${JSON.stringify(exchangeMessage)}${hint}`, {
      kind,
      endpoint,
      code,
      status,
      ambiguous: kind === 'http5xx',
    });
    this.exchangeMessage = exchangeMessage;
  }
}

export function isBitunixError(err: unknown): err is BitunixError {
  return err instanceof BitunixError;
}

export function errorKind(err: unknown): BitunixErrorKind {
  return isBitunixError(err) ? err.kind : 'network';
}

/** True for the "order does not exist (any more)" family of answers. */
export function isOrderNotFound(err: unknown): boolean {
  return isBitunixError(err) && err.code === BitunixCode.orderNotFound;
}
