// The REST client against tiny servers on 127.0.0.1: signing on the wire, retry policy,
// rate-limit backoff and typed errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BitunixRest, type RestObservation } from '../../src/exchanges/bitunix/rest.ts';
import { BitunixCredentials } from '../../src/exchanges/bitunix/signer.ts';
import { BitunixError } from '../../src/exchanges/bitunix/errors.ts';
import { waitFor } from '../helpers/wait.ts';

const KEY = 'test-key-1234';
const SECRET = 'test-secret-abcdefgh';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: Seen, res: ServerResponse, n: number) => void;

async function tinyServer(handler: Handler) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const entry = { method: req.method!, path: url.pathname, query: url.searchParams, headers: req.headers, body };
      seen.push(entry);
      handler(entry, res, seen.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

function json(res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

// An independent check of the documented scheme, written from the docs, not from signer.ts.
function expectedSign(req: Seen, secret: string) {
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  const keys = [...req.query.keys()].sort();
  const qp = req.method === 'GET' ? keys.map((k) => k + req.query.get(k)).join('') : '';
  const body = req.method === 'GET' ? '' : req.body;
  return sha(sha(`${req.headers.nonce}${req.headers.timestamp}${req.headers['api-key']}${qp}${body}`) + secret);
}

function client(url: string, extra: Partial<ConstructorParameters<typeof BitunixRest>[0]> = {}) {
  return new BitunixRest({
    baseUrl: url,
    credentials: new BitunixCredentials(KEY, SECRET),
    retryBaseMs: 5,
    retryMaxMs: 20,
    rateLimitBaseMs: 10,
    rateLimitMaxMs: 40,
    timeoutMs: 1000,
    ...extra,
  });
}

test('signed GET: headers, sorted query signature, ms timestamp, 32-char nonce', async (t) => {
  const server = await tinyServer((req, res) => json(res, { code: 0, data: { orderList: [], total: 0 }, msg: 'Success' }));
  t.after(server.close);
  await client(server.url).getPendingOrders({ symbol: 'BTCUSDT', limit: 100, status: 'NEW' });
  const req = server.seen[0]!;
  assert.equal(req.method, 'GET');
  assert.equal(req.path, '/api/v1/futures/trade/get_pending_orders');
  assert.equal(req.headers['api-key'], KEY);
  assert.match(String(req.headers.nonce), /^[A-Za-z0-9]{32}$/);
  assert.ok(Math.abs(Number(req.headers.timestamp) - Date.now()) < 5000, 'timestamp in ms');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers.sign, expectedSign(req, SECRET));
});

test('signed POST: the body bytes sent are the bytes signed, query part empty', async (t) => {
  const server = await tinyServer((req, res) => json(res, { code: 0, data: { orderId: '42', clientId: 'c1' }, msg: 'Success' }));
  t.after(server.close);
  const ack = await client(server.url).placeOrder({
    symbol: 'BTCUSDT',
    side: 'BUY',
    qty: '0.0001',
    price: '59970.0',
    tradeSide: 'OPEN',
    orderType: 'LIMIT',
    effect: 'POST_ONLY',
    clientId: 'c1',
  });
  assert.deepEqual(ack, { orderId: '42', clientId: 'c1' });
  const req = server.seen[0]!;
  assert.equal(req.method, 'POST');
  const body = JSON.parse(req.body);
  assert.deepEqual(body, {
    symbol: 'BTCUSDT',
    qty: '0.0001',
    side: 'BUY',
    orderType: 'LIMIT',
    price: '59970.0',
    tradeSide: 'OPEN',
    effect: 'POST_ONLY',
    clientId: 'c1',
  });
  assert.equal(req.headers.sign, expectedSign(req, SECRET));
});

test('market endpoints are not signed', async (t) => {
  const server = await tinyServer((req, res) => json(res, { code: 0, data: { asks: [[60000.1, 1]], bids: [[60000, 2]] }, msg: 'Success' }));
  t.after(server.close);
  const top = await new BitunixRest({ baseUrl: server.url }).getDepth('BTCUSDT', '1');
  assert.equal(top.bid, '60000');
  assert.equal(top.ask, '60000.1');
  assert.equal(server.seen[0]!.headers.sign, undefined);
  assert.equal(server.seen[0]!.query.get('limit'), '1');
});

test('a 5xx burst on a GET is retried; every attempt is observed', async (t) => {
  const server = await tinyServer((req, res, n) => (n <= 2 ? json(res, { error: 'x' }, 503) : json(res, { code: 0, data: [{ marginCoin: 'USDT', positionMode: 'HEDGE' }], msg: 'Success' })));
  t.after(server.close);
  const observed: RestObservation[] = [];
  const account = await client(server.url, { observer: (o) => observed.push(o) }).getAccount();
  assert.equal(account.positionMode, 'HEDGE');
  assert.equal(server.seen.length, 3);
  assert.deepEqual(observed.map((o) => [o.ok, o.status, o.attempt, o.error?.kind]), [
    [false, 503, 0, 'http5xx'],
    [false, 503, 1, 'http5xx'],
    [true, 200, 2, undefined],
  ]);
  // retries are re-signed with a fresh nonce
  assert.notEqual(server.seen[0]!.headers.nonce, server.seen[2]!.headers.nonce);
});

test('a GET that keeps failing gives up after maxRetries with a typed error', async (t) => {
  const server = await tinyServer((req, res) => json(res, {}, 502));
  t.after(server.close);
  await assert.rejects(client(server.url, { maxRetries: 2 }).getAccount(), (err: unknown) => {
    assert.ok(err instanceof BitunixError);
    assert.equal(err.kind, 'http5xx');
    assert.equal(err.status, 502);
    return true;
  });
  assert.equal(server.seen.length, 3);
});

test('modify_order is never blindly retried after a 5xx', async (t) => {
  const server = await tinyServer((req, res) => json(res, {}, 503));
  t.after(server.close);
  await assert.rejects(client(server.url).modifyOrder({ orderId: '1', qty: '1', price: '2' }), (err: unknown) => {
    return err instanceof BitunixError && err.kind === 'http5xx' && err.ambiguous;
  });
  assert.equal(server.seen.length, 1);
});

test('place_order after an ambiguous failure: looks the clientId up and does not place twice', async (t) => {
  const server = await tinyServer((req, res) => {
    if (req.path.endsWith('place_order')) return json(res, {}, 504);
    assert.equal(req.query.get('clientId'), 'cid-1');
    json(res, { code: 0, data: { orderId: '777', clientId: 'cid-1', status: 'NEW', price: '1', qty: '1' }, msg: 'Success' });
  });
  t.after(server.close);
  const ack = await client(server.url).placeOrder({ symbol: 'BTCUSDT', side: 'BUY', qty: '1', price: '1', orderType: 'LIMIT', clientId: 'cid-1' });
  assert.deepEqual(ack, { orderId: '777', clientId: 'cid-1', recovered: true });
  assert.deepEqual(server.seen.map((r) => r.path.split('/').pop()), ['place_order', 'get_order_detail']);
});

test('place_order after an ambiguous failure that never landed: places again with the same clientId', async (t) => {
  let places = 0;
  const server = await tinyServer((req, res) => {
    if (req.path.endsWith('place_order')) {
      places++;
      if (places === 1) return json(res, {}, 500);
      assert.equal(JSON.parse(req.body).clientId, 'cid-2');
      return json(res, { code: 0, data: { orderId: '9', clientId: 'cid-2' }, msg: 'Success' });
    }
    json(res, { code: 20007, msg: 'Order not found, please try it later', data: null });
  });
  t.after(server.close);
  const ack = await client(server.url).placeOrder({ symbol: 'BTCUSDT', side: 'BUY', qty: '1', price: '1', orderType: 'LIMIT', clientId: 'cid-2' });
  assert.equal(ack.orderId, '9');
  assert.equal(places, 2);
});

test('duplicate clientId (30042) resolves to the existing order', async (t) => {
  const server = await tinyServer((req, res) => {
    if (req.path.endsWith('place_order')) return json(res, { code: 30042, msg: 'Client ID duplicate', data: null });
    json(res, { code: 0, data: { orderId: '5', clientId: 'dup' }, msg: 'Success' });
  });
  t.after(server.close);
  const ack = await client(server.url).placeOrder({ symbol: 'X', side: 'SELL', qty: '1', price: '1', orderType: 'LIMIT', clientId: 'dup' });
  assert.deepEqual(ack, { orderId: '5', clientId: 'dup', recovered: true });
});

test('HTTP 429 and codes 10005/10006 back off and retry, even for place_order; Retry-After is honoured', async (t) => {
  const stamps: number[] = [];
  const server = await tinyServer((req, res, n) => {
    stamps.push(Date.now());
    if (n === 1) return json(res, {}, 429, { 'retry-after': '0.15' });
    if (n === 2) return json(res, { code: 10006, msg: 'Request too frequently', data: null });
    if (n === 3) return json(res, { code: 10005, msg: 'Too many requests', data: null });
    json(res, { code: 0, data: { orderId: '1' }, msg: 'Success' });
  });
  t.after(server.close);
  const observed: RestObservation[] = [];
  const rest = client(server.url, { observer: (o) => observed.push(o) });
  const ack = await rest.placeOrder({ symbol: 'X', side: 'BUY', qty: '1', price: '1', orderType: 'LIMIT', clientId: 'rl' });
  assert.equal(ack.orderId, '1');
  assert.equal(server.seen.length, 4, 'refused requests did nothing, so they are repeated as such');
  assert.ok(stamps[1]! - stamps[0]! >= 140, `waited ${stamps[1]! - stamps[0]!} ms after Retry-After 0.15 s`);
  assert.deepEqual(observed.map((o) => o.error?.kind ?? 'ok'), ['rate_limit', 'rate_limit', 'rate_limit', 'ok']);
});

test('the rate-limit cooldown is shared: a call started during it waits too', async (t) => {
  const stamps: Array<[string, number]> = [];
  const server = await tinyServer((req, res, n) => {
    stamps.push([req.path.split('/').pop()!, Date.now()]);
    if (n === 1) return json(res, {}, 429, { 'retry-after': '0.2' });
    json(res, { code: 0, data: [], msg: 'Success' });
  });
  t.after(server.close);
  let second: Promise<unknown> | undefined;
  const rest: BitunixRest = client(server.url, {
    observer: (o) => {
      if (o.error?.kind === 'rate_limit' && !second) second = rest.getTradingPairs(['BTCUSDT']);
    },
  });
  await rest.getTickers(['BTCUSDT']);
  await second;
  const refusedAt = stamps[0]![1];
  assert.equal(stamps.length, 3);
  for (const [path, at] of stamps.slice(1)) assert.ok(at - refusedAt >= 190, `${path} went out ${at - refusedAt} ms after the 429`);
  assert.ok(stamps.some(([p]) => p === 'trading_pairs'));
});

test('a wrong secret: one request, a clear auth error, no retry, no secret in the message', async (t) => {
  const server = await tinyServer((req, res) => {
    const ok = req.headers.sign === expectedSign(req, SECRET);
    json(res, ok ? { code: 0, data: {}, msg: 'Success' } : { code: 10007, msg: 'Sign signature error', data: null });
  });
  t.after(server.close);
  const wrong = new BitunixRest({ baseUrl: server.url, credentials: new BitunixCredentials(KEY, 'WRONG-secret-value'), retryBaseMs: 5 });
  await assert.rejects(wrong.getAccount(), (err: unknown) => {
    assert.ok(err instanceof BitunixError);
    assert.equal(err.kind, 'auth');
    assert.equal(err.code, 10007);
    assert.match(err.message, /Sign signature error/);
    assert.match(err.message, /BITUNIX_API_SECRET/);
    assert.ok(!err.message.includes('WRONG-secret-value'));
    assert.ok(!JSON.stringify(err).includes('WRONG-secret-value'));
    return true;
  });
  assert.equal(server.seen.length, 1);
  await client(server.url).getAccount(); // the right secret passes the same check
});

test('no credentials: a clear auth error before anything is sent', async (t) => {
  const server = await tinyServer((req, res) => json(res, { code: 0, data: {}, msg: 'Success' }));
  t.after(server.close);
  await assert.rejects(new BitunixRest({ baseUrl: server.url }).getAccount(), /BITUNIX_API_KEY/);
  assert.equal(server.seen.length, 0);
});

test('timeouts are typed, ambiguous, and retried for GETs only', async (t) => {
  const server = await tinyServer(() => {
    /* never answers */
  });
  t.after(server.close);
  const rest = client(server.url, { timeoutMs: 80, maxRetries: 1 });
  await assert.rejects(rest.getAccount(), (err: unknown) => err instanceof BitunixError && err.kind === 'timeout' && err.ambiguous);
  // The client gives up after 80 ms; on a busy machine the server may see the request later.
  await waitFor(() => server.seen.length >= 2, { what: 'the retried GET at the server' });
  assert.equal(server.seen.length, 2);
  await assert.rejects(rest.modifyOrder({ orderId: '1', qty: '1', price: '1' }), (err: unknown) => err instanceof BitunixError && err.kind === 'timeout');
  await waitFor(() => server.seen.length >= 3, { what: 'the POST at the server' });
  assert.equal(server.seen.length, 3);
});

test('HTTP 200 with a business error is not retried and keeps the code', async (t) => {
  const server = await tinyServer((req, res) => json(res, { code: 20007, message: 'Order not found', data: null }));
  t.after(server.close);
  await assert.rejects(client(server.url).getOrderDetail({ orderId: '1' }), (err: unknown) => {
    return err instanceof BitunixError && err.kind === 'reject' && err.code === 20007 && !err.ambiguous;
  });
  assert.equal(server.seen.length, 1);
});

test('connection refused is a network error', async () => {
  const server = await tinyServer(() => {});
  const url = server.url;
  await server.close();
  await assert.rejects(client(url, { maxRetries: 0 }).getAccount(), (err: unknown) => err instanceof BitunixError && err.kind === 'network');
});
