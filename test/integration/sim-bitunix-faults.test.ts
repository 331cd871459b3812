import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startBitunixSim, type BitunixSim } from '../../src/sim/bitunix/index.ts';
import { call, rawHttp, WsProbe, type Creds } from '../helpers/sim-bitunix.ts';
import { waitFor } from '../helpers/wait.ts';

const creds: Creds = { key: 'fault-key', secret: 'fault-secret' };

async function withSim(
  opts: Parameters<typeof startBitunixSim>[0],
  body: (s: BitunixSim) => Promise<void>,
): Promise<void> {
  const s = await startBitunixSim({ apiKey: creds.key, apiSecret: creds.secret, tickIntervalMs: 600_000, ...opts });
  try {
    await body(s);
  } finally {
    await s.close();
  }
}

const account = (s: BitunixSim) => call(s.restUrl, 'GET', 'account', { query: { marginCoin: 'USDT' }, creds });

function lastFault(s: BitunixSim) {
  return s.faults.log.at(-1)!;
}

describe('Bitunix simulator faults: WebSocket', () => {
  test('drop: abrupt 1006 by default, or a given close code; recorded on both sides', async () => {
    await withSim({}, async (s) => {
      const a = await WsProbe.open(s.wsPublicUrl);
      const b = await WsProbe.open(s.wsPrivateUrl);
      const record = s.faults.fire({ kind: 'drop', target: 'public' });
      assert.equal(record.detail?.connections, 1);
      assert.equal(await a.closed, 1006);
      s.faults.fire({ kind: 'drop', code: 4001 });
      assert.equal(await b.closed, 4001);
      await waitFor(() => s.stats().ws.open.private === 0, { what: 'server saw the close' });
      const stats = s.stats();
      assert.equal(stats.ws.closedBy.server['1006'], 1);
      assert.equal(stats.ws.closedBy.server['4001'], 1);
      assert.equal(stats.ws.serverCloseReasons.drop, 2);
      assert.deepEqual(stats.faults.byKind, { drop: 2 });
      assert.deepEqual(s.faults.log.map((r) => [r.kind, r.source]), [['drop', 'api'], ['drop', 'api']]);
    });
  });

  test('reset: the TCP connection is reset under the client', async () => {
    await withSim({}, async (s) => {
      const ws = await WsProbe.open(s.wsPublicUrl);
      s.faults.fire({ kind: 'reset' });
      assert.equal(await ws.closed, 1006);
      await waitFor(() => s.stats().ws.serverCloseReasons.reset === 1, { what: 'reset recorded' });
      assert.equal(lastFault(s).kind, 'reset');
    });
  });

  test('stall: pings go unanswered and pushes stop for the duration, then resume', async () => {
    await withSim({ tickIntervalMs: 20 }, async (s) => {
      const ws = await WsProbe.open(s.wsPublicUrl);
      ws.send({ op: 'subscribe', args: [{ symbol: 'BTCUSDT', ch: 'ticker' }] });
      await ws.next((m) => m.ch === 'ticker', 'ticker before the stall');
      const stallMs = 400;
      const from = Date.now();
      const until = from + stallMs;
      s.faults.fire({ kind: 'stall', duration: stallMs });
      ws.send({ op: 'ping', ping: 1 });
      await waitFor(() => Date.now() > until, { what: 'the stall to pass', intervalMs: 25 });
      ws.send({ op: 'ping', ping: 2 });
      await ws.next((m) => m.pong === 2, 'pong after the stall');
      assert.equal(ws.count((m) => m.pong === 1), 0, 'the ping sent during the stall was never answered');
      // Pushes are stamped when sent: none may carry a time inside the stall.
      await ws.next((m) => m.ch === 'ticker' && m.ts > until, 'pushes resume');
      const during = ws.count((m) => m.ch === 'ticker' && m.ts > from + 5 && m.ts < until - 5);
      assert.equal(during, 0, `${during} tickers were sent during the stall`);
      assert.equal(ws.closeCode, undefined, 'a stall keeps the socket open');
      await ws.close();
    });
  });

  test('malformed, truncated and oversized frames reach the client and are counted', async () => {
    await withSim({}, async (s) => {
      const ws = await WsProbe.open(s.wsPublicUrl);
      await ws.next((m) => m.op === 'connect', 'connect');
      s.faults.fire({ kind: 'malformed' });
      s.faults.fire({ kind: 'truncated' });
      s.faults.fire({ kind: 'oversized', bytes: 200_000 });
      await waitFor(() => ws.raw.length >= 4, { what: 'three fault frames' });
      const [, malformed, truncated, oversized] = ws.raw;
      assert.throws(() => JSON.parse(malformed!));
      assert.throws(() => JSON.parse(truncated!));
      assert.ok(truncated!.startsWith('{"ch":"ticker"'));
      assert.ok(oversized!.length > 200_000);
      assert.doesNotThrow(() => JSON.parse(oversized!));
      const pushes = s.stats().pushes;
      assert.equal(pushes['fault:malformed'], 1);
      assert.equal(pushes['fault:truncated'], 1);
      assert.equal(pushes['fault:oversized'], 1);
      await ws.close();
    });
  });

  test('burst: count pushes as fast as the socket takes them', async () => {
    await withSim({}, async (s) => {
      const ws = await WsProbe.open(s.wsPublicUrl);
      s.faults.fire({ kind: 'burst', count: 500 });
      await waitFor(() => ws.count((m) => m.ch === 'ticker') === 500, { what: '500 tickers' });
      await ws.close();
    });
  });

  test('rejectLogin: the next N valid logins are refused, then logins work again', async () => {
    await withSim({}, async (s) => {
      const ws = await WsProbe.open(s.wsPrivateUrl);
      s.faults.fire({ kind: 'rejectLogin', count: 2 });
      assert.equal((await ws.login(creds)).data.result, false);
      assert.equal((await ws.login(creds)).data.result, false);
      assert.equal((await ws.login(creds)).data.result, true);
      assert.equal(s.stats().logins.rejectedByReason.fault, 2);
      await ws.close();
    });
  });

  test('latency delays WS answers and keeps their order', async () => {
    await withSim({}, async (s) => {
      const ws = await WsProbe.open(s.wsPublicUrl);
      await ws.next((m) => m.op === 'connect', 'connect');
      s.faults.fire({ kind: 'latency', delay: 300, target: 'public' });
      const t0 = Date.now();
      for (let i = 1; i <= 5; i++) ws.send({ op: 'ping', ping: i });
      await ws.next((m) => m.pong === 5, 'last pong');
      assert.ok(Date.now() - t0 >= 290, `answered after ${Date.now() - t0} ms`);
      assert.deepEqual(ws.messages.filter((m) => m.op === 'ping').map((m) => m.pong), [1, 2, 3, 4, 5]);
      await ws.close();
    });
  });
});

describe('Bitunix simulator faults: REST and server', () => {
  test('http5xx: the next N answers are an HTML 5xx, then normal', async () => {
    await withSim({}, async (s) => {
      s.faults.fire({ kind: 'http5xx', count: 2, status: 502 });
      const first = await account(s);
      const second = await call(s.restUrl, 'GET', 'market/tickers', {});
      const third = await account(s);
      assert.equal(first.status, 502);
      assert.equal(second.status, 502);
      assert.equal(first.json, undefined, 'not the JSON envelope');
      assert.equal(third.status, 200);
      assert.equal(third.json?.code, 0);
      assert.equal(s.stats().rest.rejected.http502, 2);
    });
  });

  test('http5xx with a target only spoils that endpoint', async () => {
    await withSim({}, async (s) => {
      s.faults.fire({ kind: 'http5xx', count: 1, target: 'trade/place_order' });
      assert.equal((await account(s)).status, 200);
      const r = await call(s.restUrl, 'POST', 'trade/place_order', { creds, body: {} });
      assert.equal(r.status, 503);
    });
  });

  test('http429: HTTP 429 with the rate-limit code', async () => {
    await withSim({}, async (s) => {
      s.faults.fire({ kind: 'http429', count: 1 });
      const r = await account(s);
      assert.equal(r.status, 429);
      assert.equal(r.json?.code, 10005);
      assert.equal((await account(s)).json?.code, 0);
    });
  });

  test('latency delays REST answers for its duration only', async () => {
    await withSim({}, async (s) => {
      s.faults.fire({ kind: 'latency', delay: 250, duration: 600, target: 'rest' });
      const t0 = Date.now();
      assert.equal((await account(s)).json?.code, 0);
      assert.ok(Date.now() - t0 >= 240, `answered after ${Date.now() - t0} ms`);
      await waitFor(
        async () => {
          const t = Date.now();
          await call(s.restUrl, 'GET', 'market/tickers', {});
          return Date.now() - t < 150;
        },
        { what: 'latency to end' },
      );
    });
  });

  test('clockSkew: the server clock moves, fresh timestamps are refused until it is back', async () => {
    await withSim({ rules: { timestampWindowMs: 5_000 } }, async (s) => {
      s.faults.fire({ kind: 'clockSkew', delay: 60_000 });
      const refused = await account(s);
      assert.equal(refused.json?.code, 10007);
      const ws = await WsProbe.open(s.wsPrivateUrl);
      assert.equal((await ws.login(creds)).data.result, false);
      ws.send({ op: 'ping', ping: 1 });
      const pong = await ws.next((m) => m.pong === 1, 'pong');
      assert.ok(pong.ping - Date.now() / 1000 > 50, 'the pong carries the skewed clock');
      s.faults.fire({ kind: 'clockSkew', delay: 0 });
      assert.equal((await account(s)).json?.code, 0);
      assert.equal((await ws.login(creds)).data.result, true);
      assert.equal(s.stats().rest.authRejected.timestamp, 1);
      await ws.close();
    });
  });

  test('restart: every connection is cut, the port is refused, then served again with state kept', async () => {
    await withSim({}, async (s) => {
      const price = (s.state().price.BTCUSDT! - 30).toFixed(1);
      const placed = await call(s.restUrl, 'POST', 'trade/place_order', {
        creds,
        body: { symbol: 'BTCUSDT', side: 'BUY', tradeSide: 'OPEN', orderType: 'LIMIT', qty: '0.001', price },
      });
      const ws = await WsProbe.open(s.wsPublicUrl);
      s.faults.fire({ kind: 'restart', duration: 400 });
      assert.equal(await ws.closed, 1006);
      await assert.rejects(rawHttp('GET', `${s.restUrl}/api/v1/futures/market/tickers`, {}));
      const back = await waitFor(
        async () => {
          try {
            return await account(s);
          } catch {
            return undefined;
          }
        },
        { what: 'the simulator back on its port', intervalMs: 50 },
      );
      assert.equal(back.json?.code, 0);
      const detail = await call(s.restUrl, 'GET', 'trade/get_order_detail', { query: { orderId: placed.json?.data.orderId }, creds });
      assert.equal(detail.json?.data.status, 'NEW');
      const again = await WsProbe.open(s.wsPublicUrl);
      await again.next((m) => m.op === 'connect', 'connect after restart');
      await again.close();
      assert.equal(s.stats().ws.serverCloseReasons.restart, 1);
    });
  });

  test('scheduled faults fire on their own and are logged with their source', async () => {
    await withSim({ faults: { schedule: [{ at: '100ms', kind: 'drop', code: 4002 }] } }, async (s) => {
      const ws = await WsProbe.open(s.wsPublicUrl);
      assert.equal(await ws.closed, 4002);
      assert.deepEqual(
        s.faults.log.map((r) => [r.kind, r.source]),
        [['drop', 'schedule']],
      );
      const viaHttp = JSON.parse((await rawHttp('GET', `${s.restUrl}/_sim/faults`, {})).text);
      assert.equal(viaHttp[0].kind, 'drop');
    });
  });

  test('an unsupported fault kind is refused at start, not inside a timer', async () => {
    await assert.rejects(startBitunixSim({ faults: { schedule: [{ at: '1s', kind: 'shutdown' }] } }), /does not support fault "shutdown"/);
    await assert.rejects(startBitunixSim({ faults: { random: { shutdown: 1 } } }), /shutdown/);
  });
});

describe('Bitunix simulator test hooks', () => {
  test('cancelOrderServerSide, fillOrder and forgetOrder make the inconsistencies a real exchange can', async () => {
    await withSim({}, async (s) => {
      const ws = await WsProbe.open(s.wsPrivateUrl);
      await ws.login(creds);
      ws.send({ op: 'subscribe', args: [{ ch: 'order' }, { ch: 'position' }] });
      const bid = s.state().price.BTCUSDT!;
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await call(s.restUrl, 'POST', 'trade/place_order', {
          creds,
          body: { symbol: 'BTCUSDT', side: 'BUY', tradeSide: 'OPEN', orderType: 'LIMIT', qty: '0.001', price: (bid - 30 - i).toFixed(1) },
        });
        ids.push(r.json?.data.orderId);
      }
      const [a, b, c] = ids as [string, string, string];

      s.cancelOrderServerSide(a);
      const cancelled = await ws.next((m) => m.ch === 'order' && m.data.orderId === a && m.data.event === 'CLOSE', 'system cancel');
      assert.equal(cancelled.data.orderStatus, 'CANCELED');
      assert.equal((await call(s.restUrl, 'GET', 'trade/get_order_detail', { query: { orderId: a }, creds })).json?.data.status, 'CANCELED');

      s.fillOrder(b);
      const filled = await ws.next((m) => m.ch === 'order' && m.data.orderId === b && m.data.event === 'CLOSE', 'fill');
      assert.equal(filled.data.orderStatus, 'FILLED');
      await ws.next((m) => m.ch === 'position' && m.data.event === 'OPEN', 'position opened by the fill');
      assert.equal(s.state().positions.length, 1);

      const pushesBefore = ws.count((m) => m.ch === 'order');
      s.forgetOrder(c);
      assert.equal((await call(s.restUrl, 'GET', 'trade/get_order_detail', { query: { orderId: c }, creds })).json?.code, 20007);
      assert.equal((await call(s.restUrl, 'GET', 'trade/get_pending_orders', { query: { orderId: c }, creds })).json?.code, 20007);
      const cancelForgotten = await call(s.restUrl, 'POST', 'trade/cancel_orders', { creds, body: { symbol: 'BTCUSDT', orderList: [{ orderId: c }] } });
      assert.equal(cancelForgotten.json?.data.failureList[0].errorCode, '20007');
      assert.equal(ws.count((m) => m.ch === 'order'), pushesBefore, 'a forgotten order vanishes without a push');

      const counters = s.stats().orders;
      assert.equal(counters.cancelledBySystem, 1);
      assert.equal(counters.filled, 1);
      assert.equal(counters.forgotten, 1);
      assert.throws(() => s.fillOrder(a), /no open order/);
      await ws.close();
    });
  });

  test('setPositionMode sets the mode and can lock it (20009)', async () => {
    await withSim({}, async (s) => {
      s.setPositionMode('ONE_WAY', { locked: true });
      assert.equal(s.state().positionMode, 'ONE_WAY');
      assert.equal((await account(s)).json?.data[0].positionMode, 'ONE_WAY');
      const r = await call(s.restUrl, 'POST', 'account/change_position_mode', { creds, body: { positionMode: 'HEDGE' } });
      assert.equal(r.json?.code, 20009);
      s.setPositionMode('ONE_WAY');
      const ok = await call(s.restUrl, 'POST', 'account/change_position_mode', { creds, body: { positionMode: 'HEDGE' } });
      assert.equal(ok.json?.code, 0);
    });
  });
});

describe('Bitunix simulator shutdown', () => {
  test('close() ends every socket, timer and the listener', async () => {
    const watched = new Set(['Timeout', 'TCPServerWrap', 'TCPSocketWrap']);
    const count = () => process.getActiveResourcesInfo().filter((r) => watched.has(r)).length;
    const baseline = count();
    const s = await startBitunixSim({ apiKey: creds.key, apiSecret: creds.secret, tickIntervalMs: 10, rules: { wsIdleTimeoutMs: 60_000 } });
    const pub = await WsProbe.open(s.wsPublicUrl);
    const priv = await WsProbe.open(s.wsPrivateUrl);
    pub.send({ op: 'subscribe', args: [{ symbol: 'BTCUSDT', ch: 'depth_book15' }] });
    await pub.next((m) => m.ch === 'depth_book15', 'depth');
    await priv.login(creds);
    assert.equal((await account(s)).json?.code, 0);
    // Leave work in flight: a delayed answer, a clock skew with a duration, a scheduled fault.
    s.faults.fire({ kind: 'latency', delay: 5_000, duration: 60_000, target: 'private' });
    s.faults.fire({ kind: 'clockSkew', delay: 0, duration: 60_000 });
    priv.send({ op: 'ping', ping: 1 });
    assert.ok(count() > baseline);
    await s.close();
    assert.equal(await pub.closed, 1006);
    assert.equal(await priv.closed, 1006);
    await waitFor(() => count() <= baseline, { what: 'no sockets or timers left', timeoutMs: 2_000 });
    await assert.rejects(rawHttp('GET', `${s.restUrl}/api/v1/futures/market/tickers`, {}));
    await s.close(); // idempotent
  });
});
