// Bitunix request signing, read from openapidoc.bitunix.com ("Signature Introduction") and the
// official demos (BitunixOfficial/open-api): two rounds of plain SHA-256 over concatenated
// strings, lowercase hex. It is not HMAC: the secret is appended to the first digest.
import { createHash, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

export function sha256hex(input: string): string {
  return createHash('sha256').update(input, 'utf8').digest('hex');
}

/**
 * The `queryParams` part of the REST digest: keys sorted by ASCII code, each key followed by its
 * raw value, no separators and no URL encoding (`{uid: 200, id: 1}` → `id1uid200`).
 */
export function canonicalQuery(params: Readonly<Record<string, string | number | boolean | undefined>>): string {
  return Object.keys(params)
    .filter((key) => params[key] !== undefined)
    .sort(asciiCompare)
    .map((key) => key + String(params[key]))
    .join('');
}

function asciiCompare(a: string, b: string): number {
  // localeCompare would order by locale rules; the docs ask for ASCII order.
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface RestSignInput {
  nonce: string;
  timestamp: string;
  apiKey: string;
  queryParams: string;
  body: string;
}

/** `sign = sha256hex(sha256hex(nonce + timestamp + apiKey + queryParams + body) + secret)`. */
export function restSignature(input: RestSignInput, secret: string): string {
  const digest = sha256hex(input.nonce + input.timestamp + input.apiKey + input.queryParams + input.body);
  return sha256hex(digest + secret);
}

/** WS login: `sign = sha256hex(sha256hex(nonce + timestamp + apiKey) + secret)`, timestamp in seconds. */
export function wsLoginSignature(nonce: string, timestamp: string, apiKey: string, secret: string): string {
  return sha256hex(sha256hex(nonce + timestamp + apiKey) + secret);
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32 random alphanumeric characters (the docs' "random string, 32 bits" means 32 characters). */
export function makeNonce(length = 32): string {
  const bytes = randomBytes(length);
  let out = '';
  // 62 symbols: the modulo bias is irrelevant for a nonce, which only has to be unique.
  for (let i = 0; i < length; i++) out += NONCE_ALPHABET[bytes[i]! % NONCE_ALPHABET.length];
  return out;
}

// The secret lives outside the instance so that no enumeration, JSON.stringify, util.inspect,
// structured clone or heap-walking logger can reach it through the credentials object, and in a
// Buffer rather than a string: a Buffer's bytes live outside the V8 heap, so a heap snapshot of
// the worker does not contain them, and signing feeds them to the hash without ever building a
// string that holds the secret.
const SECRETS = new WeakMap<BitunixCredentials, Buffer>();

/** `sha256hex(digest + secret)` without concatenating the secret into a JS string. */
function finalDigest(digest: string, secret: Buffer): string {
  return createHash('sha256').update(digest, 'utf8').update(secret).digest('hex');
}

export class CredentialsError extends Error {
  override name = 'CredentialsError';
}

function redact(apiKey: string): string {
  return apiKey.length <= 4 ? '***' : `${apiKey.slice(0, 4)}***`;
}

/** An API key pair that can sign but never reveals its secret. */
export class BitunixCredentials {
  readonly apiKey: string;

  constructor(apiKey: string, apiSecret: string) {
    if (typeof apiKey !== 'string' || apiKey.trim() === '') throw new CredentialsError('Bitunix API key is empty');
    if (typeof apiSecret !== 'string' || apiSecret.trim() === '') throw new CredentialsError('Bitunix API secret is empty');
    this.apiKey = apiKey.trim();
    // Buffer.from of a short string would use the shared pool: a slab of its own, zeroed on dispose.
    const trimmed = apiSecret.trim();
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(trimmed, 'utf8'));
    bytes.write(trimmed, 'utf8');
    SECRETS.set(this, bytes);
  }

  /** Reads `BITUNIX_API_KEY` / `BITUNIX_API_SECRET`; undefined when either is missing. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): BitunixCredentials | undefined {
    const key = env.BITUNIX_API_KEY;
    const secret = env.BITUNIX_API_SECRET;
    if (!key || !secret) return undefined;
    return new BitunixCredentials(key, secret);
  }

  signRest(input: Omit<RestSignInput, 'apiKey'>): string {
    return finalDigest(sha256hex(input.nonce + input.timestamp + this.apiKey + input.queryParams + input.body), SECRETS.get(this)!);
  }

  signWsLogin(nonce: string, timestampSeconds: string): string {
    return finalDigest(sha256hex(nonce + timestampSeconds + this.apiKey), SECRETS.get(this)!);
  }

  /** Overwrites the secret's bytes: the pair cannot sign afterwards. */
  dispose(): void {
    SECRETS.get(this)?.fill(0);
    SECRETS.delete(this);
  }

  toJSON(): Record<string, string> {
    return { apiKey: redact(this.apiKey) };
  }

  toString(): string {
    return `BitunixCredentials(${redact(this.apiKey)})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
