// The WS client against a tiny server on 127.0.0.1: greeting, JSON pings, login, resubscribe after
// drops, idle detection, login rejection, tolerant push parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { BitunixWs } from '../../src/exchanges/bitunix/ws.ts';
import { BitunixCredentials } from '../../src/exchanges/bitunix/signer.ts';
import type { OrderEvent } from '../../src/exchanges/bitunix/types.ts';
import { waitFor } from '../helpers/wait.ts';

const KEY = 'ws-key-0001';
const SECRET = 'ws-secret-0001';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

interface Conn {
  socket: WebSocket;
  frames: Array<Record<string, any>>;
  protocolPings: number;
}

async function tinyWsServer(options: { greet?: boolean; onFrame?: (conn: Conn, frame: Record<string, any>) => void } = {}) {
  const conns: Conn[] = [];
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', (socket) => {
    const conn: Conn = { socket, frames: [], protocolPings: 0 };
    conns.push(conn);
    socket.on('ping', () => conn.protocolPings++);
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      conn.frames.push(frame);
      if (frame.op === 'ping') socket.send(JSON.stringify({ op: 'ping', pong: frame.ping, ping: Math.floor(Date.now() / 1000) }));
      options.onFrame?.(conn, frame);
    });
    if (options.greet !== false) socket.send(JSON.stringify({ op: 'connect', data: { result: true } }));
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/private/`,
    conns,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
}

function acceptLogin(conn: Conn, frame: Record<string, any>) {
  if (frame.op !== 'login') return;
  const a = frame.args[0];
  const ok = a.sign === sha(sha(a.nonce + a.timestamp + a.apiKey) + SECRET);
  conn.socket.send(JSON.stringify({ op: 'login', data: { result: ok } }));
}

test('public: waits for the greeting, subscribes, pings with JSON every interval (no protocol pings)', async (t) => {
  const server = await tinyWsServer();
  t.after(server.close);
  const ws = new BitunixWs({ url: server.url, subscriptions: [{ ch: 'ticker', symbol: 'BTCUSDT' }], pingIntervalMs: 50 });
  t.after(() => ws.close());
  ws.connect();
  await waitFor(() => server.conns[0]?.frames.filter((f) => f.op === 'ping').length! >= 3, { timeoutMs: 3000, what: 'three pings' });
  const frames = server.conns[0]!.frames;
  assert.deepEqual(frames[0], { op: 'subscribe', args: [{ ch: 'ticker', symbol: 'BTCUSDT' }] });
  for (const ping of frames.filter((f) => f.op === 'ping')) {
    assert.ok(Number.isInteger(ping.ping));
    assert.ok(Math.abs(ping.ping - Date.now() / 1000) < 5, 'ping carries unix seconds');
  }
  assert.equal(server.conns[0]!.protocolPings, 0);
  assert.ok(ws.isReady);
});

test('public: without a greeting it goes ahead after greetingTimeoutMs', async (t) => {
  const server = await tinyWsServer({ greet: false });
  t.after(server.close);
  const ws = new BitunixWs({ url: server.url, subscriptions: [{ ch: 'depth_book1', symbol: 'BTCUSDT' }], greetingTimeoutMs: 30 });
  t.after(() => ws.close());
  ws.connect();
  await waitFor(() => server.conns[0]?.frames.some((f) => f.op === 'subscribe'), { timeoutMs: 2000, what: 'subscribe' });
});

test('private: logs in with seconds timestamp and double-SHA sign, then subscribes', async (t) => {
  const server = await tinyWsServer({ onFrame: acceptLogin });
  t.after(server.close);
  const ws = new BitunixWs({ url: server.url, credentials: new BitunixCredentials(KEY, SECRET), subscriptions: [{ ch: 'order' }, { ch: 'position' }] });
  t.after(() => ws.close());
  let ready = 0;
  ws.on('ready', () => ready++);
  ws.connect();
  await waitFor(() => ready === 1, { timeoutMs: 3000, what: 'ready' });
  // `ready` follows the client's send of the subscription, not the server's receipt of it.
  await waitFor(() => server.conns[0]!.frames.length >= 2, { what: 'the subscription at the server' });
  const [login, sub] = server.conns[0]!.frames;
  assert.equal(login!.op, 'login');
  const args = login!.args[0];
  assert.deepEqual(Object.keys(args).sort(), ['apiKey', 'nonce', 'sign', 'timestamp']);
  assert.equal(args.apiKey, KEY);
  assert.match(args.nonce, /^[A-Za-z0-9]{32}$/);
  assert.match(args.timestamp, /^\d{10}$/, 'seconds, not ms');
  assert.deepEqual(sub, { op: 'subscribe', args: [{ ch: 'order' }, { ch: 'position' }] });
});

test('a dropped connection is reconnected with backoff, logged in again and resubscribed', async (t) => {
  const server = await tinyWsServer({ onFrame: acceptLogin });
  t.after(server.close);
  const ws = new BitunixWs({
    url: server.url,
    credentials: new BitunixCredentials(KEY, SECRET),
    subscriptions: [{ ch: 'order' }],
    reconnectBaseMs: 20,
    reconnectMaxMs: 50,
  });
  t.after(() => ws.close());
  const closes: Array<{ code: number; scheduled: boolean }> = [];
  const readies: boolean[] = [];
  ws.on('close', (c) => closes.push(c));
  ws.on('ready', (r) => readies.push(r.reconnect));
  ws.connect();
  await waitFor(() => readies.length === 1, { timeoutMs: 3000, what: 'first ready' });
  server.conns[0]!.socket.terminate(); // abrupt: 1006
  await waitFor(() => readies.length === 2, { timeoutMs: 3000, what: 'ready again' });
  assert.deepEqual(readies, [false, true]);
  assert.equal(ws.reconnects, 1);
  assert.equal(closes[0]!.code, 1006);
  assert.equal(closes[0]!.scheduled, false);
  const second = server.conns[1]!.frames;
  assert.equal(second[0]!.op, 'login');
  assert.deepEqual(second[1], { op: 'subscribe', args: [{ ch: 'order' }] });
  // subscriptions added later are kept for the next reconnects as well
  ws.subscribe([{ ch: 'position' }]);
  await waitFor(() => second.some((f) => f.op === 'subscribe' && f.args[0].ch === 'position'), { timeoutMs: 2000, what: 'late subscribe' });
});

test('silence longer than idleTimeoutMs is a dead link: terminate and reconnect', async (t) => {
  // A server that greets and then never answers anything (no pongs).
  const server = await tinyWsServer({ greet: true });
  t.after(server.close);
  const ws = new BitunixWs({ url: server.url, pingIntervalMs: 30, idleTimeoutMs: 120, reconnectBaseMs: 10, reconnectMaxMs: 20 });
  t.after(() => ws.close());
  // Mute the server once the client is in: it drops every reply, pongs included.
  const errors: string[] = [];
  ws.on('error', (e) => errors.push(e.message));
  ws.on('open', () => {
    const conn = server.conns.at(-1);
    if (conn) conn.socket.send = () => {};
  });
  ws.connect();
  await waitFor(() => ws.reconnects >= 1, { timeoutMs: 3000, what: 'reconnect after silence' });
  assert.ok(errors.some((m) => /silent for/.test(m)), errors.join('; '));
});

test('close() is a scheduled disconnect and stops reconnecting', async (t) => {
  const server = await tinyWsServer();
  t.after(server.close);
  const ws = new BitunixWs({ url: server.url, reconnectBaseMs: 10 });
  const closes: Array<{ scheduled: boolean }> = [];
  ws.on('close', (c) => closes.push(c));
  let opens = 0;
  ws.on('open', () => opens++);
  ws.connect();
  await waitFor(() => ws.isReady, { timeoutMs: 2000, what: 'ready' });
  ws.close();
  await waitFor(() => closes.length === 1, { timeoutMs: 2000, what: 'close event' });
  assert.equal(closes[0]!.scheduled, true);
  assert.equal(server.conns.length, 1);
  assert.equal(opens, 1);
});

test('a server-announced shutdown makes the next close scheduled', async (t) => {
  const server = await tinyWsServer();
  t.after(server.close);
  const ws = new BitunixWs({ url: server.url, reconnectBaseMs: 10 });
  t.after(() => ws.close());
  const closes: Array<{ scheduled: boolean }> = [];
  ws.on('close', (c) => closes.push(c));
  ws.connect();
  await waitFor(() => ws.isReady, { timeoutMs: 2000, what: 'ready' });
  server.conns[0]!.socket.send(JSON.stringify({ op: 'serverShutdown' }));
  server.conns[0]!.socket.close(1001, 'going away');
  await waitFor(() => closes.length === 1, { timeoutMs: 2000, what: 'close' });
  assert.equal(closes[0]!.scheduled, true);
});

test('rejected logins: each reported as auth, and after maxLoginFailures the client gives up', async (t) => {
  const server = await tinyWsServer({
    onFrame: (conn, f) => {
      if (f.op === 'login') conn.socket.send(JSON.stringify({ op: 'login', data: { result: false, msg: 'sign error' } }));
    },
  });
  t.after(server.close);
  const ws = new BitunixWs({ url: server.url, credentials: new BitunixCredentials(KEY, 'wrong'), reconnectBaseMs: 5, reconnectMaxMs: 10, maxLoginFailures: 3 });
  t.after(() => ws.close());
  const kinds: string[] = [];
  let fatal = 0;
  ws.on('error', (e) => kinds.push(e.kind));
  ws.on('fatal', () => fatal++);
  ws.connect();
  await waitFor(() => fatal === 1, { timeoutMs: 3000, what: 'fatal' });
  await waitFor(() => server.conns.every((c) => c.socket.readyState === c.socket.CLOSED), { timeoutMs: 2000, what: 'all closed' });
  assert.equal(server.conns.length, 3, 'no more attempts after giving up');
  assert.deepEqual(kinds.filter((k) => k === 'auth').length, 3);
  assert.ok(!ws.isReady);
});

test('pushes are parsed tolerantly: object or list data, "Buy", ISO times; depth and ticker', async (t) => {
  const server = await tinyWsServer({
    onFrame: (conn, f) => {
      if (f.op !== 'subscribe') return;
      const send = (x: unknown) => conn.socket.send(JSON.stringify(x));
      send({ ch: 'order', ts: 1, data: { event: 'UPDATE', orderId: '11', side: 'Buy', type: 'Limit', orderStatus: 'NEW', price: '100.5', qty: '1', ctime: '2025-01-01T00:00:00Z' } });
      send({ ch: 'order', ts: 2, data: [{ event: 'CLOSE', orderId: '12', side: 'SELL', orderStatus: 'CANCELED', price: '1', qty: '1' }] });
      send({ ch: 'depth_book1', symbol: 'BTCUSDT', ts: 3, data: { b: [['99.9', '1']], a: [['100.1', '2']] } });
      send({ ch: 'ticker', symbol: 'BTCUSDT', ts: 4, data: { la: '100.0', o: '1', h: '2', l: '0.5', b: '10', q: '1000', r: '0.01' } });
      conn.socket.send('not json');
    },
  });
  t.after(server.close);
  const ws = new BitunixWs({ url: server.url, subscriptions: [{ ch: 'depth_book1', symbol: 'BTCUSDT' }] });
  t.after(() => ws.close());
  const orders: OrderEvent[] = [];
  const depth: unknown[] = [];
  const tickers: unknown[] = [];
  const errors: string[] = [];
  ws.on('order', (o) => orders.push(o));
  ws.on('depth', (d) => depth.push(d));
  ws.on('ticker', (x) => tickers.push(x));
  ws.on('error', (e) => errors.push(e.kind));
  ws.connect();
  await waitFor(() => tickers.length === 1 && errors.length === 1, { timeoutMs: 2000, what: 'pushes' });
  assert.deepEqual(orders[0], {
    orderId: '11',
    side: 'BUY',
    orderType: 'LIMIT',
    status: 'NEW',
    price: '100.5',
    qty: '1',
    ctime: Date.parse('2025-01-01T00:00:00Z'),
    event: 'UPDATE',
  });
  assert.equal(orders[1]!.event, 'CLOSE');
  assert.equal(orders[1]!.status, 'CANCELED');
  assert.deepEqual(depth[0], { bid: '99.9', ask: '100.1', symbol: 'BTCUSDT', ts: 3 });
  assert.deepEqual(tickers[0], { symbol: 'BTCUSDT', lastPrice: '100.0' });
  assert.deepEqual(errors, ['ws'], 'a non-JSON frame is reported, not fatal');
});
