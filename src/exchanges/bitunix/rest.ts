// Bitunix USDT-M futures REST client on global fetch: signing, timeouts, the retry policy and
// rate-limit backoff, typed errors from the `{code,msg,data}` envelope.
//
// Retry policy (why it is split this way): a request that was refused (HTTP 429, codes
// 10005/10006) did nothing and can always be sent again after a pause. A request that failed
// ambiguously (timeout, 5xx, dropped connection) may have been executed, so only idempotent calls
// are repeated blindly; place_order is repeated only after looking its clientId up.
import { backoffDelay, sleep } from './backoff.ts';
import { BitunixCode, BitunixError, isBitunixError, isOrderNotFound } from './errors.ts';
import {
  asList,
  parseAccount,
  parseBookTop,
  parseCancelResult,
  parseOrder,
  parseOrders,
  parsePosition,
  parsePositionMode,
  parseTicker,
  parseTradingPair,
  readEnvelope,
  str,
  isObject,
  num,
} from './parse.ts';
import { BitunixCredentials, canonicalQuery, makeNonce } from './signer.ts';
import type {
  Account,
  BookTop,
  CancelResult,
  Order,
  OrderAck,
  PlaceOrderRequest,
  Position,
  PositionMode,
  Ticker,
  TradingPair,
} from './types.ts';

export const BITUNIX_REST_URL = 'https://fapi.bitunix.com';

type Query = Record<string, string | number | boolean | undefined>;

/** One HTTP exchange as seen by the client: what an observer needs for counters and latency. */
export interface RestObservation {
  method: 'GET' | 'POST';
  endpoint: string;
  latencyMs: number;
  ok: boolean;
  status?: number;
  error?: BitunixError;
  /** 0 for the first try of a call, then 1, 2 … for retries */
  attempt: number;
}

export interface BitunixRestOptions {
  baseUrl?: string;
  credentials?: BitunixCredentials;
  /** Per HTTP request. */
  timeoutMs?: number;
  /** Retries of an ambiguous failure (5xx, timeout, network) for idempotent calls. */
  maxRetries?: number;
  /** Retries after a rate-limit refusal, for any call. */
  maxRateLimitRetries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  rateLimitBaseMs?: number;
  rateLimitMaxMs?: number;
  fetch?: typeof fetch;
  observer?: (observation: RestObservation) => void;
  random?: () => number;
  language?: string;
}

export interface CallOptions {
  query?: Query;
  body?: unknown;
  auth?: boolean;
  idempotent?: boolean;
  signal?: AbortSignal | undefined;
}

export interface RequestOptions {
  signal?: AbortSignal | undefined;
}

const PATH = '/api/v1/futures';

export class BitunixRest {
  readonly baseUrl: string;
  private readonly credentials: BitunixCredentials | undefined;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxRateLimitRetries: number;
  private readonly retryBackoff: { baseMs: number; maxMs: number };
  private readonly rateLimitBackoff: { baseMs: number; maxMs: number };
  private readonly fetchImpl: typeof fetch;
  private readonly observer: ((o: RestObservation) => void) | undefined;
  private readonly random: () => number;
  private readonly language: string;
  private cooldownUntil = 0;
  private consecutiveRateLimits = 0;

  constructor(options: BitunixRestOptions = {}) {
    this.baseUrl = (options.baseUrl ?? BITUNIX_REST_URL).replace(/\/+$/, '');
    this.credentials = options.credentials;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.maxRetries = options.maxRetries ?? 3;
    this.maxRateLimitRetries = options.maxRateLimitRetries ?? 5;
    this.retryBackoff = { baseMs: options.retryBaseMs ?? 200, maxMs: options.retryMaxMs ?? 5000 };
    this.rateLimitBackoff = { baseMs: options.rateLimitBaseMs ?? 500, maxMs: options.rateLimitMaxMs ?? 10_000 };
    this.fetchImpl = options.fetch ?? fetch;
    this.observer = options.observer;
    this.random = options.random ?? Math.random;
    this.language = options.language ?? 'en-US';
  }

  get hasCredentials(): boolean {
    return this.credentials !== undefined;
  }

  /** Until when every request waits because the exchange said "too many requests" (ms epoch). */
  get rateLimitedUntil(): number {
    return this.cooldownUntil;
  }

  /** Sends one logical call with the retry policy; resolves with the envelope's `data`. */
  async call(method: 'GET' | 'POST', path: string, options: CallOptions = {}): Promise<unknown> {
    const idempotent = options.idempotent ?? method === 'GET';
    let retries = 0;
    let rateLimitRetries = 0;
    for (let attempt = 0; ; attempt++) {
      await this.waitForCooldown(options.signal);
      try {
        return await this.attempt(method, path, options, attempt);
      } catch (err) {
        if (!isBitunixError(err)) throw err;
        if (err.kind === 'rate_limit' && rateLimitRetries < this.maxRateLimitRetries) {
          rateLimitRetries++;
          continue; // attempt() already pushed the shared cooldown forward
        }
        if (idempotent && err.ambiguous && retries < this.maxRetries) {
          await sleep(backoffDelay(retries, this.retryBackoff, this.random), options.signal);
          retries++;
          continue;
        }
        throw err;
      }
    }
  }

  private async waitForCooldown(signal: AbortSignal | undefined): Promise<void> {
    const wait = this.cooldownUntil - Date.now();
    if (wait > 0) await sleep(wait, signal);
  }

  private async attempt(method: 'GET' | 'POST', path: string, options: CallOptions, attempt: number): Promise<unknown> {
    const endpoint = path.startsWith(PATH) ? path.slice(PATH.length + 1) : path;
    const query: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) query[key] = String(value);
    }
    const qs = new URLSearchParams(query).toString();
    const url = `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
    // Serialised once: the signed bytes and the sent bytes must be the same string.
    const body = method === 'POST' ? JSON.stringify(options.body ?? {}) : undefined;
    const headers: Record<string, string> = { 'Content-Type': 'application/json', language: this.language };
    if (options.auth) {
      if (!this.credentials) {
        throw new BitunixError(`Bitunix ${endpoint}: no API credentials (set BITUNIX_API_KEY and BITUNIX_API_SECRET)`, {
          kind: 'auth',
          endpoint,
        });
      }
      const nonce = makeNonce();
      const timestamp = String(Date.now());
      headers['api-key'] = this.credentials.apiKey;
      headers.nonce = nonce;
      headers.timestamp = timestamp;
      headers.sign = this.credentials.signRest({
        nonce,
        timestamp,
        queryParams: method === 'GET' ? canonicalQuery(query) : '',
        body: body ?? '',
      });
    }

    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const started = performance.now();
    const observe = (ok: boolean, status?: number, error?: BitunixError) => {
      const observation: RestObservation = { method, endpoint, latencyMs: performance.now() - started, ok, attempt };
      if (status !== undefined) observation.status = status;
      if (error) observation.error = error;
      this.observer?.(observation);
    };

    let status: number;
    let text: string;
    let retryAfter: string | null = null;
    try {
      const res = await this.fetchImpl(url, { method, headers, body, signal });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      text = await res.text();
    } catch (cause) {
      const error = this.transportError(endpoint, cause, options.signal, timeout);
      observe(false, undefined, error);
      throw error;
    }

    try {
      const data = this.interpret(endpoint, status, text, retryAfter);
      this.consecutiveRateLimits = 0;
      observe(true, status);
      return data;
    } catch (err) {
      if (isBitunixError(err) && err.kind === 'rate_limit') this.pushCooldown(err.retryAfterMs);
      observe(false, status, isBitunixError(err) ? err : undefined);
      throw err;
    }
  }

  private interpret(endpoint: string, status: number, text: string, retryAfter: string | null): unknown {
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(retryAfter);
      throw new BitunixError(`Bitunix ${endpoint}: HTTP 429 too many requests`, {
        kind: 'rate_limit',
        endpoint,
        status,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
    if (status >= 500) {
      throw new BitunixError(`Bitunix ${endpoint}: HTTP ${status}`, { kind: 'http5xx', endpoint, status, ambiguous: true });
    }
    if (status === 401 || status === 403) {
      throw new BitunixError(`Bitunix ${endpoint}: HTTP ${status} (check BITUNIX_API_KEY / BITUNIX_API_SECRET and the IP whitelist)`, {
        kind: 'auth',
        endpoint,
        status,
      });
    }
    if (status < 200 || status >= 300) {
      // Some gateways still wrap errors in the envelope: prefer the exchange's code when present.
      try {
        readEnvelope(endpoint, text, status);
      } catch (err) {
        if (isBitunixError(err) && err.kind !== 'parse') throw err;
      }
      throw new BitunixError(`Bitunix ${endpoint}: HTTP ${status}`, { kind: 'http', endpoint, status });
    }
    return readEnvelope(endpoint, text, status).data;
  }

  private transportError(endpoint: string, cause: unknown, callerSignal: AbortSignal | undefined, timeout: AbortSignal): BitunixError {
    if (callerSignal?.aborted) {
      return new BitunixError(`Bitunix ${endpoint}: aborted`, { kind: 'aborted', endpoint, ambiguous: true, cause });
    }
    if (timeout.aborted) {
      return new BitunixError(`Bitunix ${endpoint}: no answer within ${this.timeoutMs} ms`, {
        kind: 'timeout',
        endpoint,
        ambiguous: true,
        cause,
      });
    }
    const code = (cause as { cause?: { code?: string } })?.cause?.code;
    // A refused connection never reached the server: not ambiguous, but still worth a retry.
    return new BitunixError(`Bitunix ${endpoint}: network error${code ? ` (${code})` : ''}`, {
      kind: 'network',
      endpoint,
      ambiguous: true,
      cause,
    });
  }

  private pushCooldown(retryAfterMs: number | undefined): void {
    const delay = retryAfterMs ?? backoffDelay(this.consecutiveRateLimits, this.rateLimitBackoff, this.random);
    this.consecutiveRateLimits++;
    this.cooldownUntil = Math.max(this.cooldownUntil, Date.now() + delay);
  }

  // ---- trading ------------------------------------------------------------------------------

  /**
   * Places an order. After an ambiguous failure it looks the clientId up before trying again,
   * so a retry can never create a second order; a duplicate-clientId refusal resolves the same way.
   */
  async placeOrder(request: PlaceOrderRequest, options: RequestOptions = {}): Promise<OrderAck> {
    const clientId = request.clientId ?? `bx${Date.now().toString(36)}${makeNonce(8)}`;
    const body: Record<string, unknown> = {
      symbol: request.symbol,
      qty: request.qty,
      side: request.side,
      orderType: request.orderType,
    };
    if (request.price !== undefined) body.price = request.price;
    if (request.tradeSide) body.tradeSide = request.tradeSide;
    if (request.positionId) body.positionId = request.positionId;
    if (request.effect) body.effect = request.effect;
    if (request.reduceOnly !== undefined) body.reduceOnly = request.reduceOnly;
    body.clientId = clientId;

    for (let attempt = 0; ; attempt++) {
      try {
        const data = await this.call('POST', `${PATH}/trade/place_order`, { body, auth: true, idempotent: false, signal: options.signal });
        return this.ack('trade/place_order', data, clientId);
      } catch (err) {
        if (!isBitunixError(err)) throw err;
        if (err.code === BitunixCode.duplicateClientId) {
          const found = await this.findByClientId(clientId, options.signal);
          if (found) return { orderId: found.orderId, clientId, recovered: true };
          throw err;
        }
        if (!err.ambiguous || err.kind === 'aborted' || attempt >= this.maxRetries) throw err;
        let found: Order | undefined;
        try {
          found = await this.findByClientId(clientId, options.signal);
        } catch {
          throw err; // cannot tell whether it exists: the caller has to reconcile
        }
        if (found) return { orderId: found.orderId, clientId, recovered: true };
        await sleep(backoffDelay(attempt, this.retryBackoff, this.random), options.signal);
      }
    }
  }

  private ack(endpoint: string, data: unknown, clientId?: string): OrderAck {
    const raw = isObject(data) ? data : Array.isArray(data) && isObject(data[0]) ? data[0] : undefined;
    const orderId = str(raw?.orderId) ?? str(raw?.id);
    if (!orderId) {
      throw new BitunixError(`Bitunix ${endpoint}: answer has no orderId`, { kind: 'parse', endpoint, ambiguous: true });
    }
    const ack: OrderAck = { orderId };
    const cid = str(raw?.clientId) ?? clientId;
    if (cid) ack.clientId = cid;
    return ack;
  }

  /** The order with this clientId, or undefined when the exchange does not know it. */
  async findByClientId(clientId: string, signal?: AbortSignal): Promise<Order | undefined> {
    try {
      return await this.getOrderDetail({ clientId }, { signal });
    } catch (err) {
      if (isOrderNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Changes price and qty (both required by the API). Success does not prove the change: confirm. */
  async modifyOrder(
    request: { orderId?: string; clientId?: string; qty: string; price: string },
    options: RequestOptions = {},
  ): Promise<OrderAck> {
    const body: Record<string, unknown> = {};
    if (request.orderId) body.orderId = request.orderId;
    if (request.clientId) body.clientId = request.clientId;
    body.qty = request.qty;
    body.price = request.price;
    const data = await this.call('POST', `${PATH}/trade/modify_order`, { body, auth: true, idempotent: false, signal: options.signal });
    if (data === undefined || data === null) return { orderId: request.orderId ?? '', ...(request.clientId ? { clientId: request.clientId } : {}) };
    return this.ack('trade/modify_order', data, request.clientId);
  }

  /** Cancelling twice is harmless, so this one is retried like a read. */
  async cancelOrders(
    symbol: string,
    orderList: Array<{ orderId: string } | { clientId: string }>,
    options: RequestOptions = {},
  ): Promise<CancelResult> {
    const data = await this.call('POST', `${PATH}/trade/cancel_orders`, {
      body: { symbol, orderList },
      auth: true,
      idempotent: true,
      signal: options.signal,
    });
    return parseCancelResult(data);
  }

  async cancelAllOrders(symbol?: string, options: RequestOptions = {}): Promise<unknown> {
    return this.call('POST', `${PATH}/trade/cancel_all_orders`, {
      body: symbol ? { symbol } : {},
      auth: true,
      idempotent: true,
      signal: options.signal,
    });
  }

  async getPendingOrders(
    filter: { symbol?: string; orderId?: string; clientId?: string; status?: string; limit?: number; skip?: number } = {},
    options: RequestOptions = {},
  ): Promise<{ orders: Order[]; total: number | undefined }> {
    const data = await this.call('GET', `${PATH}/trade/get_pending_orders`, { query: { ...filter }, auth: true, signal: options.signal });
    const total = isObject(data) ? num(data.total) : undefined;
    return { orders: parseOrders(data), total };
  }

  /** Throws a BitunixApiError with code 20007 when the order is unknown. */
  async getOrderDetail(id: { orderId?: string; clientId?: string }, options: RequestOptions = {}): Promise<Order> {
    const data = await this.call('GET', `${PATH}/trade/get_order_detail`, {
      query: { orderId: id.orderId, clientId: id.clientId },
      auth: true,
      signal: options.signal,
    });
    const order = parseOrder(Array.isArray(data) ? data[0] : data);
    if (!order) {
      // An empty success is how some venues say "not found": treat it as such, explicitly.
      throw new BitunixError(`Bitunix trade/get_order_detail: no order in answer`, {
        kind: 'reject',
        endpoint: 'trade/get_order_detail',
        code: BitunixCode.orderNotFound,
      });
    }
    return order;
  }

  // ---- account and positions ------------------------------------------------------------------

  async getAccount(marginCoin = 'USDT', options: RequestOptions = {}): Promise<Account> {
    const data = await this.call('GET', `${PATH}/account`, { query: { marginCoin }, auth: true, signal: options.signal });
    const account = parseAccount(data);
    if (!account) throw new BitunixError('Bitunix account: answer has no account', { kind: 'parse', endpoint: 'account' });
    return account;
  }

  /** Account-wide. Fails with 20009 while positions or orders exist. */
  async changePositionMode(positionMode: PositionMode, options: RequestOptions = {}): Promise<PositionMode | undefined> {
    const data = await this.call('POST', `${PATH}/account/change_position_mode`, {
      body: { positionMode },
      auth: true,
      idempotent: true,
      signal: options.signal,
    });
    return parsePositionMode(data);
  }

  async getPendingPositions(filter: { symbol?: string; positionId?: string } = {}, options: RequestOptions = {}): Promise<Position[]> {
    const data = await this.call('GET', `${PATH}/position/get_pending_positions`, { query: { ...filter }, auth: true, signal: options.signal });
    return asList(data, 'positionList', 'list').map(parsePosition).filter((p): p is Position => p !== undefined);
  }

  // ---- market (no auth) -------------------------------------------------------------------------

  async getTickers(symbols?: string[], options: RequestOptions = {}): Promise<Ticker[]> {
    const data = await this.call('GET', `${PATH}/market/tickers`, { query: { symbols: symbols?.join(',') }, signal: options.signal });
    return asList(data).map(parseTicker).filter((t): t is Ticker => t !== undefined);
  }

  async getDepth(symbol: string, limit: '1' | '5' | '15' | '50' | 'max' = '1', options: RequestOptions = {}): Promise<BookTop> {
    const data = await this.call('GET', `${PATH}/market/depth`, { query: { symbol, limit }, signal: options.signal });
    const top = parseBookTop(data, Date.now());
    if (!top) throw new BitunixError(`Bitunix market/depth: empty book for ${symbol}`, { kind: 'parse', endpoint: 'market/depth' });
    return { ...top, symbol };
  }

  async getTradingPairs(symbols?: string[], options: RequestOptions = {}): Promise<TradingPair[]> {
    const data = await this.call('GET', `${PATH}/market/trading_pairs`, { query: { symbols: symbols?.join(',') }, signal: options.signal });
    return asList(data).map(parseTradingPair).filter((p): p is TradingPair => p !== undefined);
  }
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}
