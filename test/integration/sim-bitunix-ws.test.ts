import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBitunixSim, type BitunixSim } from '../../src/sim/bitunix/index.ts';
import { call, WsProbe, type Creds } from '../helpers/sim-bitunix.ts';
import { waitFor } from '../helpers/wait.ts';

const creds: Creds = { key: 'ws-key', secret: 'ws-secret' };

function start(opts: Parameters<typeof startBitunixSim>[0] = {}): Promise<BitunixSim> {
  return startBitunixSim({ apiKey: creds.key, apiSecret: creds.secret, tickIntervalMs: 600_000, ...opts });
}

/** Subscribes, then waits for the answer to a ping sent after it: the subscription is in place. */
async function subscribe(ws: WsProbe, args: unknown[]): Promise<void> {
  const marker = Math.floor(Math.random() * 1e9);
  ws.send({ op: 'subscribe', args });
  ws.send({ op: 'ping', ping: marker });
  await ws.next((m) => m.op === 'ping' && m.pong === marker, 'pong after subscribe');
}

async function loggedIn(s: BitunixSim, channels = ['order', 'position']): Promise<WsProbe> {
  const ws = await WsProbe.open(s.wsPrivateUrl);
  const ack = await ws.login(creds);
  assert.deepEqual(ack, { op: 'login', data: { result: true } });
  await subscribe(
    ws,
    channels.map((ch) => ({ ch })),
  );
  return ws;
}

describe('Bitunix simulator WS: session', () => {
  let s: BitunixSim;
  before(async () => (s = await start({ rules: { wsIdleTimeoutMs: 400 } })));
  after(() => s.close());

  test('the server speaks first with the connect frame, on both paths', async () => {
    for (const url of [s.wsPublicUrl, s.wsPrivateUrl, s.wsPublicUrl.replace(/\/$/, '')]) {
      const ws = await WsProbe.open(url);
      const first = await ws.next(() => true, 'first frame');
      assert.deepEqual(first, { op: 'connect', data: { result: true } });
      await ws.close();
    }
  });

  test('an unknown path is refused', async () => {
    await assert.rejects(WsProbe.open(s.wsPublicUrl.replace('/public/', '/nowhere/')));
  });

  test('JSON ping: pong echoes the value, ping carries server seconds', async () => {
    const ws = await WsProbe.open(s.wsPublicUrl);
    ws.send({ op: 'ping', ping: 1732519687 });
    const pong = await ws.next((m) => m.op === 'ping', 'pong');
    assert.equal(pong.pong, 1732519687);
    assert.ok(Math.abs(pong.ping - Date.now() / 1000) < 5, `server seconds ${pong.ping}`);
    await ws.close();
  });

  test('idle timeout: a silent socket is cut without a close frame; a pinging one stays', async () => {
    const before = s.stats().ws.serverCloseReasons.idle ?? 0;
    const silent = await WsProbe.open(s.wsPublicUrl);
    const busy = await WsProbe.open(s.wsPublicUrl);
    let n = 0;
    const pinger = setInterval(() => busy.send({ op: 'ping', ping: ++n }), 100);
    try {
      assert.equal(await silent.closed, 1006);
      // The busy socket outlived the silent one and kept being answered for two more idle periods.
      const target = n + 8;
      await busy.next((m) => m.op === 'ping' && m.pong >= target, 'pongs beyond two idle periods');
      assert.equal(busy.closeCode, undefined);
    } finally {
      clearInterval(pinger);
    }
    await busy.close();
    const stats = s.stats();
    assert.equal(stats.ws.serverCloseReasons.idle, before + 1);
    assert.ok((stats.ws.closedBy.server['1006'] ?? 0) >= 1);
    assert.ok((stats.ws.closedBy.client['1000'] ?? 0) >= 1);
  });

  test('a protocol-level ping does not count as activity (only data frames do)', async () => {
    const ws = await WsProbe.open(s.wsPublicUrl);
    const pinger = setInterval(() => ws.ws.ping(), 100);
    try {
      assert.equal(await ws.closed, 1006);
    } finally {
      clearInterval(pinger);
    }
  });
});

describe('Bitunix simulator WS: public pushes', () => {
  let s: BitunixSim;
  before(async () => (s = await start({ tickIntervalMs: 25 })));
  after(() => s.close());

  test('ticker, trade and depth_book1/5/15 arrive in the {ch, symbol, ts, data} envelope', async () => {
    const ws = await WsProbe.open(s.wsPublicUrl);
    await subscribe(ws, [
      { symbol: 'BTCUSDT', ch: 'ticker' },
      { symbol: 'BTCUSDT', ch: 'trade' },
      { symbol: 'ethusdt', ch: 'depth_book1' },
      { symbol: 'BTCUSDT', ch: 'depth_book5' },
      { symbol: 'BTCUSDT', ch: 'depth_book15' },
    ]);
    const ticker = await ws.next((m) => m.ch === 'ticker', 'ticker');
    assert.equal(ticker.symbol, 'BTCUSDT');
    assert.equal(typeof ticker.ts, 'number');
    for (const key of ['s', 'o', 'h', 'l', 'la', 'b', 'q', 'r']) assert.equal(typeof ticker.data[key], 'string', key);
    const trade = await ws.next((m) => m.ch === 'trade', 'trade');
    assert.ok(Array.isArray(trade.data));
    assert.match(trade.data[0].t, /^\d{4}-\d\d-\d\dT/);
    assert.ok(['buy', 'sell'].includes(trade.data[0].s));
    const d1 = await ws.next((m) => m.ch === 'depth_book1', 'depth_book1');
    assert.equal(d1.symbol, 'ETHUSDT');
    assert.equal(d1.data.b.length, 1);
    assert.equal(d1.data.a.length, 1);
    assert.equal((await ws.next((m) => m.ch === 'depth_book5', 'depth_book5')).data.a.length, 5);
    assert.equal((await ws.next((m) => m.ch === 'depth_book15', 'depth_book15')).data.b.length, 15);
    await ws.close();
    const pushes = s.stats().pushes;
    for (const ch of ['ticker', 'trade', 'depth_book1', 'depth_book5', 'depth_book15']) assert.ok((pushes[ch] ?? 0) >= 1, ch);
  });

  test('unsubscribe stops a stream and is acknowledged', async () => {
    const ws = await WsProbe.open(s.wsPublicUrl);
    await subscribe(ws, [{ symbol: 'BTCUSDT', ch: 'ticker' }]);
    await ws.next((m) => m.ch === 'ticker', 'ticker');
    ws.send({ op: 'unsubscribe', args: [{ symbol: 'BTCUSDT', ch: 'ticker' }] });
    const ack = await ws.next((m) => m.op === 'unsubscribe', 'unsubscribe ack');
    assert.equal(ack.data, 'success');
    const seen = ws.count((m) => m.ch === 'ticker');
    const marker = 777;
    // Let several ticks pass (a later subscription's pushes prove time moved on) with no new ticker.
    await subscribe(ws, [{ symbol: 'BTCUSDT', ch: 'trade' }]);
    await waitFor(() => ws.count((m) => m.ch === 'trade') >= 3, { what: 'three trade pushes' });
    ws.send({ op: 'ping', ping: marker });
    await ws.next((m) => m.pong === marker, 'pong');
    assert.equal(ws.count((m) => m.ch === 'ticker'), seen);
    await ws.close();
  });

  test('non-JSON text and unknown ops get no reply and the socket stays open', async () => {
    const ws = await WsProbe.open(s.wsPublicUrl);
    ws.send('hello?');
    ws.send({ op: 'nope' });
    ws.send({ op: 'subscribe', args: [{ symbol: 'NOPEUSDT', ch: 'ticker' }, { symbol: 'BTCUSDT', ch: 'nope_channel' }] });
    ws.send({ op: 'ping', ping: 5 });
    await ws.next((m) => m.pong === 5, 'pong');
    assert.deepEqual(
      ws.messages.map((m) => m.op ?? m.ch),
      ['connect', 'ping'],
    );
    await ws.close();
  });
});

describe('Bitunix simulator WS: determinism', () => {
  test('the same seed gives the same prices and the same pushes', async () => {
    const [a, b, c] = await Promise.all([start({ seed: 42 }), start({ seed: 42 }), start({ seed: 43 })]);
    try {
      const probes = await Promise.all([a, b].map((x) => WsProbe.open(x.wsPublicUrl)));
      await Promise.all(probes.map((p) => subscribe(p, [{ symbol: 'BTCUSDT', ch: 'ticker' }, { symbol: 'BTCUSDT', ch: 'depth_book5' }])));
      for (const x of [a, b, c]) x.advance(20);
      assert.deepEqual(a.state().price, b.state().price);
      assert.notDeepEqual(a.state().price, c.state().price);
      await Promise.all(probes.map((p) => waitFor(() => p.count((m) => m.ch === 'depth_book5') === 20, { what: '20 depth pushes' })));
      const data = (p: WsProbe) => p.messages.filter((m) => m.ch).map((m) => JSON.stringify([m.ch, m.data]));
      assert.deepEqual(data(probes[0]!), data(probes[1]!));
      await Promise.all(probes.map((p) => p.close()));
    } finally {
      await Promise.all([a, b, c].map((x) => x.close()));
    }
  });
});

describe('Bitunix simulator WS: private', () => {
  let s: BitunixSim;
  before(async () => (s = await start()));
  after(() => s.close());

  test('login accepts seconds and milliseconds timestamps', async () => {
    for (const unit of ['s', 'ms'] as const) {
      const ws = await WsProbe.open(s.wsPrivateUrl);
      assert.deepEqual(await ws.login(creds, { unit }), { op: 'login', data: { result: true } });
      await ws.close();
    }
  });

  test('login is refused for a wrong secret, a stale timestamp and a reused nonce', async () => {
    const before = s.stats().logins;
    const ws = await WsProbe.open(s.wsPrivateUrl);
    const wrong = await ws.login({ key: creds.key, secret: 'nope' });
    assert.equal(wrong.data.result, false);
    const stale = await ws.login(creds, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    assert.equal(stale.data.result, false);
    const ok = await ws.login(creds, { nonce: 'fixed-nonce-1' });
    assert.equal(ok.data.result, true);
    const replay = await ws.login(creds, { nonce: 'fixed-nonce-1' });
    assert.equal(replay.data.result, false);
    await ws.close();
    const after = s.stats().logins;
    assert.equal(after.ok, before.ok + 1);
    assert.equal(after.rejected, before.rejected + 3);
    assert.ok((after.rejectedByReason.signature ?? 0) >= 1);
    assert.ok((after.rejectedByReason.timestamp ?? 0) >= 1);
    assert.ok((after.rejectedByReason.nonce ?? 0) >= 1);
  });

  test('no private pushes without a login', async () => {
    const ws = await WsProbe.open(s.wsPrivateUrl);
    await subscribe(ws, [{ ch: 'order' }]);
    const price = (s.state().price.BTCUSDT! - 30).toFixed(1);
    const r = await call(s.restUrl, 'POST', 'trade/place_order', {
      creds,
      body: { symbol: 'BTCUSDT', side: 'BUY', tradeSide: 'OPEN', orderType: 'LIMIT', qty: '0.001', price },
    });
    assert.equal(r.json?.code, 0);
    ws.send({ op: 'ping', ping: 9 });
    await ws.next((m) => m.pong === 9, 'pong');
    assert.equal(ws.count((m) => m.ch === 'order'), 0);
    await ws.close();
  });

  test('order pushes on place, modify and cancel; position pushes on fill and on later orders', async () => {
    const ws = await loggedIn(s);
    const bid = s.state().price.BTCUSDT!;
    const place = async (body: Record<string, unknown>) => {
      const r = await call(s.restUrl, 'POST', 'trade/place_order', { creds, body: { symbol: 'BTCUSDT', orderType: 'LIMIT', qty: '0.001', ...body } });
      assert.equal(r.json?.code, 0, r.text);
      return r.json!.data.orderId as string;
    };
    const id = await place({ side: 'BUY', tradeSide: 'OPEN', price: (bid - 30).toFixed(1), clientId: 'p1' });
    const created = await ws.next((m) => m.ch === 'order' && m.data.orderId === id, 'CREATE');
    assert.equal(created.data.event, 'CREATE');
    assert.equal(created.data.orderStatus, 'NEW');
    assert.equal(created.data.clientId, 'p1');
    assert.equal(created.data.side, 'BUY');
    assert.equal(created.data.type, 'LIMIT');
    assert.equal(typeof created.ts, 'number');

    assert.equal((await call(s.restUrl, 'POST', 'trade/modify_order', { creds, body: { orderId: id, qty: '0.002', price: (bid - 20).toFixed(1) } })).json?.code, 0);
    const updated = await ws.next((m) => m.ch === 'order' && m.data.event === 'UPDATE' && m.data.orderId === id, 'UPDATE');
    assert.equal(updated.data.qty, '0.002');
    assert.equal(Number(updated.data.price), Number((bid - 20).toFixed(1)));

    assert.equal((await call(s.restUrl, 'POST', 'trade/cancel_orders', { creds, body: { symbol: 'BTCUSDT', orderList: [{ clientId: 'p1' }] } })).json?.code, 0);
    const closed = await ws.next((m) => m.ch === 'order' && m.data.event === 'CLOSE' && m.data.orderId === id, 'CLOSE');
    assert.equal(closed.data.orderStatus, 'CANCELED');

    // A taker fill opens a position...
    const taker = await place({ side: 'BUY', tradeSide: 'OPEN', price: (bid + 1).toFixed(1) });
    const filled = await ws.next((m) => m.ch === 'order' && m.data.orderId === taker && m.data.event === 'CLOSE', 'fill');
    assert.equal(filled.data.orderStatus, 'FILLED');
    assert.equal(filled.data.dealAmount, '0.001');
    const opened = await ws.next((m) => m.ch === 'position' && m.data.event === 'OPEN', 'position OPEN');
    assert.equal(opened.data.side, 'LONG');
    assert.equal(opened.data.qty, '0.001');
    assert.equal(opened.data.positionMode, 'HEDGE');
    // ...and later orders on that side push the position again.
    const positionsBefore = ws.count((m) => m.ch === 'position');
    await place({ side: 'BUY', tradeSide: 'CLOSE', positionId: opened.data.positionId, price: (bid + 30).toFixed(1) });
    await waitFor(() => ws.count((m) => m.ch === 'position') > positionsBefore, { what: 'position UPDATE' });
    assert.equal(ws.messages.filter((m) => m.ch === 'position').at(-1).data.event, 'UPDATE');
    await ws.close();
    const pushes = s.stats().pushes;
    assert.ok((pushes.order ?? 0) >= 6);
    assert.ok((pushes.position ?? 0) >= 2);
  });

  test('a crossing POST_ONLY: REST says success, the push says CANCELED', async () => {
    const ws = await loggedIn(s, ['order']);
    const bid = s.state().price.BTCUSDT!;
    const r = await call(s.restUrl, 'POST', 'trade/place_order', {
      creds,
      body: { symbol: 'BTCUSDT', side: 'BUY', tradeSide: 'OPEN', orderType: 'LIMIT', effect: 'POST_ONLY', qty: '0.001', price: (bid + 5).toFixed(1) },
    });
    assert.equal(r.json?.code, 0);
    const closed = await ws.next((m) => m.ch === 'order' && m.data.orderId === r.json?.data.orderId && m.data.event === 'CLOSE', 'CLOSE');
    assert.equal(closed.data.orderStatus, 'CANCELED');
    await ws.close();
  });

  test('a resting order fills when the walk crosses it', async () => {
    // The walk is stepped by hand (no timer ticks), so the price cannot move between reading it
    // and placing the order: the order rests first, then the walk crosses it.
    const fast = await start({ tickIntervalMs: 3_600_000, volatilityBps: 30, seed: 5 });
    try {
      const ws = await loggedIn(fast, ['order']);
      const bid = fast.state().price.BTCUSDT!;
      const r = await call(fast.restUrl, 'POST', 'trade/place_order', {
        creds,
        body: { symbol: 'BTCUSDT', side: 'BUY', tradeSide: 'OPEN', orderType: 'LIMIT', qty: '0.001', price: (bid - 2).toFixed(1) },
      });
      assert.equal(r.json?.code, 0);
      for (let i = 0; i < 5000 && fast.state().orders.some((o) => o.orderId === r.json?.data.orderId && o.status !== 'FILLED'); i++) fast.advance(1);
      const filled = await ws.next(
        (m) => m.ch === 'order' && m.data.orderId === r.json?.data.orderId && m.data.orderStatus === 'FILLED',
        'a walk fill',
        15_000,
      );
      assert.equal(Number(filled.data.averagePrice), Number((bid - 2).toFixed(1)));
      await ws.close();
    } finally {
      await fast.close();
    }
  });
});
