// Test fixtures for the Bitunix simulator: a tiny signer written from the docs (not imported from
// the simulator or the client, so a misreading in either fails against it), a signed HTTP caller
// that opens no pooled sockets, and a WebSocket client that records what it receives.
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import WebSocket from 'ws';
import { waitFor } from './wait.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export function docSign(nonce: string, timestamp: string, apiKey: string, queryParams: string, body: string, secret: string): string {
  return sha(sha(nonce + timestamp + apiKey + queryParams + body) + secret);
}

export function docQuery(query: Record<string, string>): string {
  return Object.keys(query)
    .sort()
    .map((k) => k + query[k])
    .join('');
}

export function docLoginSign(nonce: string, timestamp: string, apiKey: string, secret: string): string {
  return sha(sha(nonce + timestamp + apiKey) + secret);
}

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

export interface Creds {
  key: string;
  secret: string;
}

export interface CallOptions {
  query?: Record<string, string>;
  body?: unknown;
  /** send this exact body text instead of JSON.stringify(body) */
  rawBody?: string;
  creds?: Creds | null;
  nonce?: string;
  timestamp?: string;
  /** headers to override or remove (undefined) after signing */
  headers?: Record<string, string | undefined>;
}

export interface CallResult {
  status: number;
  text: string;
  json: { code: number; data: any; msg: string } | undefined;
}

/** One HTTP exchange on its own connection (agent: false), so nothing lingers after a test. */
export function rawHttp(method: string, url: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export async function call(baseUrl: string, method: 'GET' | 'POST', path: string, opts: CallOptions = {}): Promise<CallResult> {
  const query = opts.query ?? {};
  const search = new URLSearchParams(query).toString();
  const url = `${baseUrl}/api/v1/futures/${path}${search ? `?${search}` : ''}`;
  const body = method === 'POST' ? (opts.rawBody ?? JSON.stringify(opts.body ?? {})) : undefined;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.creds) {
    const nonce = opts.nonce ?? newNonce();
    const timestamp = opts.timestamp ?? String(Date.now());
    headers['api-key'] = opts.creds.key;
    headers.nonce = nonce;
    headers.timestamp = timestamp;
    headers.sign = docSign(nonce, timestamp, opts.creds.key, method === 'GET' ? docQuery(query) : '', body ?? '', opts.creds.secret);
  }
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  const res = await rawHttp(method, url, headers, body);
  let json: CallResult['json'];
  try {
    json = JSON.parse(res.text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text: res.text, json };
}

export class WsProbe {
  readonly messages: any[] = [];
  readonly raw: string[] = [];
  readonly ws: WebSocket;
  closeCode: number | undefined;
  readonly closed: Promise<number>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      const text = data.toString();
      this.raw.push(text);
      try {
        this.messages.push(JSON.parse(text));
      } catch {
        this.messages.push({ unparsable: text });
      }
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
    ws.on('error', () => {});
  }

  static open(url: string): Promise<WsProbe> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const probe = new WsProbe(ws);
      ws.once('open', () => resolve(probe));
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  async next(predicate: (m: any) => boolean, what: string, timeoutMs = 5_000): Promise<any> {
    return waitFor(() => this.messages.find(predicate), { timeoutMs, what });
  }

  count(predicate: (m: any) => boolean): number {
    return this.messages.filter(predicate).length;
  }

  async login(creds: Creds, opts: { unit?: 's' | 'ms'; nonce?: string; timestamp?: number } = {}): Promise<any> {
    const nonce = opts.nonce ?? newNonce();
    const timestamp = opts.timestamp ?? (opts.unit === 'ms' ? Date.now() : Math.floor(Date.now() / 1000));
    const before = this.messages.length;
    this.send({ op: 'login', args: [{ apiKey: creds.key, timestamp, nonce, sign: docLoginSign(nonce, String(timestamp), creds.key, creds.secret) }] });
    return waitFor(() => this.messages.slice(before).find((m) => m.op === 'login'), { what: 'login answer' });
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close(1000);
    await this.closed;
  }
}
