// The REST side: `/api/v1/futures/...` in the Bitunix envelope {code, data, msg}, errors with HTTP
// 200 and the real codes; private endpoints signed and checked; per-endpoint rate limits; spoiled
// answers (http5xx, http429) and latency when a fault asks. `/_sim/...` is the simulator's own
// reconciliation surface and is never faulted, delayed, limited or counted.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { canonicalQuery, type Verifier } from './auth.ts';
import { CODE, fail, MESSAGE, ok, type Result } from './codes.ts';
import type { Conditions } from './conditions.ts';
import type { RateLimiter } from './limits.ts';
import type { Market } from './market.ts';
import type { Account } from './orders.ts';
import type { StatsRecorder } from './stats.ts';
import { restAccount, restOrder, restPosition, tradingPair } from './views.ts';

const PREFIX = '/api/v1/futures/';
const MAX_BODY_BYTES = 64 * 1024;
const DEPTH_LIMITS: Record<string, number> = { '1': 1, '5': 5, '15': 15, '50': 50, max: 100 };

export interface RestDeps {
  stats: StatsRecorder;
  conditions: Conditions;
  verifier: Verifier;
  limiter: RateLimiter;
  market: Market;
  account: Account;
  /** `/_sim/<name>` -> JSON body */
  simRoutes: Record<string, () => unknown>;
}

type Params = Record<string, unknown>;

interface Route {
  method: 'GET' | 'POST';
  signed: boolean;
  handle: (query: Params, body: Params) => Result<unknown>;
}

function routes(deps: RestDeps): Record<string, Route> {
  const { account, market } = deps;
  const symbolsOf = (query: Params): string[] => {
    const wanted = typeof query.symbols === 'string' && query.symbols ? query.symbols.split(',') : market.symbols;
    return wanted.filter((s) => market.has(s));
  };
  return {
    'trade/place_order': { method: 'POST', signed: true, handle: (_q, b) => account.place(b) },
    'trade/modify_order': { method: 'POST', signed: true, handle: (_q, b) => account.modify(b) },
    'trade/cancel_orders': { method: 'POST', signed: true, handle: (_q, b) => account.cancel(b) },
    'trade/cancel_all_orders': { method: 'POST', signed: true, handle: (_q, b) => account.cancelAll(b) },
    'trade/get_pending_orders': {
      method: 'GET',
      signed: true,
      handle: (q) => {
        const r = account.pending(q);
        return r.ok ? ok({ orderList: r.data.orders.map((o) => restOrder(market, o)), total: r.data.total }) : r;
      },
    },
    'trade/get_order_detail': {
      method: 'GET',
      signed: true,
      handle: (q) => {
        const r = account.detail(q);
        return r.ok ? ok(restOrder(market, r.data)) : r;
      },
    },
    account: {
      method: 'GET',
      signed: true,
      handle: (q) => {
        if (typeof q.marginCoin !== 'string' || !q.marginCoin) return fail(CODE.PARAM, 'marginCoin is required');
        return ok(restAccount(account, q.marginCoin));
      },
    },
    'account/change_position_mode': { method: 'POST', signed: true, handle: (_q, b) => account.changePositionMode(b) },
    'position/get_pending_positions': {
      method: 'GET',
      signed: true,
      handle: (q) => ok(account.openPositions(q).map((p) => restPosition(market, account, p))),
    },
    'market/tickers': { method: 'GET', signed: false, handle: (q) => ok(symbolsOf(q).map((s) => market.restTicker(s))) },
    'market/trading_pairs': { method: 'GET', signed: false, handle: (q) => ok(symbolsOf(q).map((s) => tradingPair(market, s))) },
    'market/depth': {
      method: 'GET',
      signed: false,
      handle: (q) => {
        if (typeof q.symbol !== 'string' || !q.symbol) return fail(CODE.PARAM, 'symbol is required');
        if (!market.has(q.symbol)) return fail(CODE.MARKET_NOT_EXISTS);
        const levels = DEPTH_LIMITS[typeof q.limit === 'string' ? q.limit : 'max'];
        if (levels === undefined) return fail(CODE.PARAM, 'limit must be 1, 5, 15, 50 or max');
        const { b, a } = market.depth(q.symbol, levels);
        return ok({ asks: a, bids: b });
      },
    },
  };
}

export class RestApi {
  private readonly deps: RestDeps;
  private readonly table: Record<string, Route>;
  private readonly delayed = new Set<NodeJS.Timeout>();

  constructor(deps: RestDeps) {
    this.deps = deps;
    this.table = routes(deps);
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/_sim/')) {
      const route = this.deps.simRoutes[url.pathname.slice('/_sim/'.length)];
      req.resume();
      this.write(res, route ? 200 : 404, route ? route() : { error: 'unknown simulator route' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => this.dispatch(req, res, url, size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => res.destroy());
  }

  stop(): void {
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
  }

  private dispatch(req: IncomingMessage, res: ServerResponse, url: URL, rawBody: string | undefined): void {
    const { stats, conditions, verifier, limiter } = this.deps;
    const endpoint = url.pathname.startsWith(PREFIX) ? url.pathname.slice(PREFIX.length).replace(/\/+$/, '') : url.pathname;
    const route = this.table[endpoint];
    // Unknown paths share one key so a client probing random URLs cannot grow the stats.
    const key = route ? endpoint : 'unknown';
    stats.request(key);
    const delay = conditions.latencyFor('rest', endpoint);
    if (delay > 0) stats.delayed();

    const spoiled = conditions.takeBudget(endpoint);
    if (spoiled) {
      stats.rejected(key, `http${spoiled.status}`);
      if (spoiled.kind === 'http429') {
        this.answer(res, delay, spoiled.status, { code: CODE.TOO_MANY_REQUESTS, data: null, msg: MESSAGE[CODE.TOO_MANY_REQUESTS] });
      } else {
        // What an edge proxy in front of the API returns: HTML, not the JSON envelope.
        const html = `<html><head><title>${spoiled.status}</title></head><body><center><h1>${spoiled.status}</h1></center></body></html>`;
        this.answer(res, delay, spoiled.status, html, 'text/html');
      }
      return;
    }
    if (!route) {
      stats.rejected(key, 'http404');
      this.answer(res, delay, 404, { code: 404, data: null, msg: 'Not Found' });
      return;
    }
    if (req.method !== route.method) {
      stats.rejected(key, 'http405');
      this.answer(res, delay, 405, { code: 405, data: null, msg: 'Method Not Allowed' });
      return;
    }
    if (rawBody === undefined) {
      stats.rejected(key, 'http413');
      this.answer(res, delay, 413, { code: 413, data: null, msg: 'Payload Too Large' });
      return;
    }
    const refuse = (code: number, msg: string) => {
      stats.rejected(key, code);
      this.answer(res, delay, 200, { code, data: null, msg });
    };

    if (route.signed) {
      const header = (name: string) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      // GET signs the sorted query and an empty body; POST an empty query and the body bytes as received.
      const queryParams = route.method === 'GET' ? canonicalQuery(url.searchParams) : '';
      const body = route.method === 'GET' ? '' : rawBody;
      const failure = verifier.verifyRest(
        { apiKey: header('api-key'), nonce: header('nonce'), timestamp: header('timestamp'), sign: header('sign') },
        queryParams,
        body,
        conditions.now(),
      );
      if (failure) {
        stats.authRejected(failure.reason);
        refuse(failure.code, failure.msg);
        return;
      }
    }
    if (!limiter.allow(endpoint, performance.now())) {
      refuse(CODE.TOO_FREQUENT, MESSAGE[CODE.TOO_FREQUENT]!);
      return;
    }
    let body: Params = {};
    if (route.method === 'POST') {
      try {
        const parsed: unknown = rawBody === '' ? {} : JSON.parse(rawBody);
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        body = parsed as Params;
      } catch {
        refuse(CODE.PARAM, `${MESSAGE[CODE.PARAM]}: body is not a JSON object`);
        return;
      }
    }
    const result = route.handle(Object.fromEntries(url.searchParams), body);
    if (!result.ok) {
      refuse(result.code, result.msg);
      return;
    }
    stats.accepted(key);
    this.answer(res, delay, 200, { code: CODE.OK, data: result.data, msg: MESSAGE[CODE.OK] });
  }

  private answer(res: ServerResponse, delayMs: number, status: number, body: unknown, type = 'application/json'): void {
    if (delayMs <= 0) {
      this.write(res, status, body, type);
      return;
    }
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      this.write(res, status, body, type);
    }, delayMs);
    this.delayed.add(timer);
  }

  private write(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
    if (res.destroyed || res.writableEnded) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}
