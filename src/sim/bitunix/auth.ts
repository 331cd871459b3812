// The simulator's own reading of Bitunix request signing. It is deliberately written apart from the
// client's signer (src/exchanges/bitunix): each side is an independent reading of the docs, so a
// misreading in one shows up as a failing test against the other.
//
//   REST: digest = sha256hex(nonce + timestamp + apiKey + queryParams + body)
//         sign   = sha256hex(digest + secretKey)           — plain SHA-256 twice, not HMAC
//         queryParams: keys sorted by ASCII, key+value concatenated, no separators, values as the
//         decoded (not URL-encoded) strings; POST signs "" for queryParams and the raw body bytes.
//   WS login: sign = sha256hex(sha256hex(nonce + timestamp + apiKey) + secretKey)
import { createHash, timingSafeEqual } from 'node:crypto';
import { CODE } from './codes.ts';

function sha256hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The canonical query string Bitunix signs: sorted keys, `key + value`, nothing between. */
export function canonicalQuery(params: Iterable<[string, string]>): string {
  const pairs = [...params];
  // Plain code-unit comparison is ASCII order; localeCompare would not be.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let out = '';
  for (const [key, value] of pairs) out += key + value;
  return out;
}

export function restSign(parts: {
  nonce: string;
  timestamp: string;
  apiKey: string;
  queryParams: string;
  body: string;
  secret: string;
}): string {
  const digest = sha256hex(parts.nonce + parts.timestamp + parts.apiKey + parts.queryParams + parts.body);
  return sha256hex(digest + parts.secret);
}

export function wsLoginSign(parts: { nonce: string; timestamp: string; apiKey: string; secret: string }): string {
  return sha256hex(sha256hex(parts.nonce + parts.timestamp + parts.apiKey) + parts.secret);
}

function sameHex(expected: string, given: string): boolean {
  // Exact lowercase hex, as the docs specify; a client sending upper case is told so by a 10007.
  if (expected.length !== given.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}

/**
 * Remembers nonces long enough to refuse a replay of any request whose timestamp is still inside
 * the window. Entries are kept in insertion order with equal lifetimes, so expired ones are always
 * at the head and are swept as new ones arrive: memory stays proportional to the request rate, not
 * to the run length.
 */
export class NonceStore {
  private readonly expiries = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(ttlMs: number, maxEntries = 200_000) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  /** True when `nonce` was already seen within its lifetime; otherwise records it. */
  replayed(nonce: string, now: number): boolean {
    this.sweep(now);
    if (this.expiries.has(nonce)) return true;
    this.expiries.set(nonce, now + this.ttlMs);
    if (this.expiries.size > this.maxEntries) {
      const oldest = this.expiries.keys().next().value;
      if (oldest !== undefined) this.expiries.delete(oldest);
    }
    return false;
  }

  get size(): number {
    return this.expiries.size;
  }

  private sweep(now: number): void {
    for (const [nonce, expiry] of this.expiries) {
      if (expiry > now) break;
      this.expiries.delete(nonce);
    }
  }
}

type AuthRejection = 'missing-key' | 'unknown-key' | 'missing-header' | 'timestamp' | 'nonce' | 'signature';

export interface AuthFailure {
  code: number;
  msg: string;
  reason: AuthRejection;
}

export interface Credentials {
  apiKey: string;
  apiSecret: string;
}

export class Verifier {
  private readonly creds: Credentials;
  private readonly windowMs: () => number;
  private readonly nonces: NonceStore;

  constructor(creds: Credentials, windowMs: () => number, nonces: NonceStore) {
    this.creds = creds;
    this.windowMs = windowMs;
    this.nonces = nonces;
  }

  /**
   * Checks a REST request. `now` is the server clock (which a clockSkew fault moves). The order of
   * checks decides which code a doubly wrong request gets: key, headers, signature, then freshness —
   * so a replay with a bad signature is a signature error and never poisons the nonce store.
   */
  verifyRest(
    headers: { apiKey?: string; nonce?: string; timestamp?: string; sign?: string },
    queryParams: string,
    body: string,
    now: number,
  ): AuthFailure | undefined {
    const { apiKey, nonce, timestamp, sign } = headers;
    if (!apiKey) return { code: CODE.MISSING_KEY, msg: "api-key can't be empty", reason: 'missing-key' };
    if (!nonce || !timestamp || !sign) {
      return { code: CODE.SIGNATURE, msg: 'Signature Error: nonce, timestamp and sign headers are required', reason: 'missing-header' };
    }
    if (apiKey !== this.creds.apiKey) return { code: CODE.SIGNATURE, msg: 'Signature Error: unknown api-key', reason: 'unknown-key' };
    const expected = restSign({ nonce, timestamp, apiKey, queryParams, body, secret: this.creds.apiSecret });
    if (!sameHex(expected, sign)) return { code: CODE.SIGNATURE, msg: 'Signature Error', reason: 'signature' };
    const ts = Number(timestamp);
    if (!/^\d+$/.test(timestamp) || Math.abs(now - ts) > this.windowMs()) {
      return { code: CODE.SIGNATURE, msg: 'Signature Error: timestamp outside the allowed window', reason: 'timestamp' };
    }
    if (this.nonces.replayed(`rest:${nonce}`, now)) {
      return { code: CODE.SIGNATURE, msg: 'Signature Error: nonce already used', reason: 'nonce' };
    }
    return undefined;
  }

  /**
   * Checks a WS login. The demos disagree on the timestamp unit (Python and Go send seconds, Java
   * milliseconds), so both are accepted: a value below 1e11 is read as seconds. The signature always
   * covers the timestamp exactly as sent.
   */
  verifyLogin(args: { apiKey?: unknown; timestamp?: unknown; nonce?: unknown; sign?: unknown }, now: number): AuthFailure | undefined {
    const apiKey = typeof args.apiKey === 'string' ? args.apiKey : '';
    const nonce = typeof args.nonce === 'string' ? args.nonce : '';
    const sign = typeof args.sign === 'string' ? args.sign : '';
    const timestamp =
      typeof args.timestamp === 'number' ? String(args.timestamp) : typeof args.timestamp === 'string' ? args.timestamp : '';
    if (!apiKey) return { code: CODE.MISSING_KEY, msg: "api-key can't be empty", reason: 'missing-key' };
    if (!nonce || !timestamp || !sign) return { code: CODE.SIGNATURE, msg: 'nonce, timestamp and sign are required', reason: 'missing-header' };
    if (apiKey !== this.creds.apiKey) return { code: CODE.SIGNATURE, msg: 'unknown api-key', reason: 'unknown-key' };
    const expected = wsLoginSign({ nonce, timestamp, apiKey, secret: this.creds.apiSecret });
    if (!sameHex(expected, sign)) return { code: CODE.SIGNATURE, msg: 'sign error', reason: 'signature' };
    const raw = Number(timestamp);
    const ms = raw < 1e11 ? raw * 1000 : raw;
    // A seconds timestamp is truncated, so allow one extra second on the past side.
    if (!/^\d+$/.test(timestamp) || now - ms > this.windowMs() + 1000 || ms - now > this.windowMs()) {
      return { code: CODE.SIGNATURE, msg: 'timestamp outside the allowed window', reason: 'timestamp' };
    }
    if (this.nonces.replayed(`ws:${nonce}`, now)) return { code: CODE.SIGNATURE, msg: 'nonce already used', reason: 'nonce' };
    return undefined;
  }
}
