import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBitunixSim, SIM_TEST_API_KEY, SIM_TEST_API_SECRET, type BitunixSim } from '../../src/sim/bitunix/index.ts';
import { call, docQuery, docSign, newNonce, rawHttp, type Creds } from '../helpers/sim-bitunix.ts';

const creds: Creds = { key: 'sim-key', secret: 'sim-secret' };

async function sim(opts: Parameters<typeof startBitunixSim>[0] = {}): Promise<BitunixSim> {
  // A tick interval far beyond the test keeps prices still unless a test advances them.
  return startBitunixSim({ apiKey: creds.key, apiSecret: creds.secret, tickIntervalMs: 600_000, ...opts });
}

function bidOf(s: BitunixSim, symbol = 'BTCUSDT'): number {
  return s.state().price[symbol]!;
}

describe('Bitunix simulator REST: signatures', () => {
  let s: BitunixSim;
  before(async () => (s = await sim()));
  after(() => s.close());

  test('binds 127.0.0.1 and an ephemeral port by default', () => {
    assert.match(s.restUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(s.wsPublicUrl, `ws://127.0.0.1:${s.port}/public/`);
    assert.equal(s.wsPrivateUrl, `ws://127.0.0.1:${s.port}/private/`);
    assert.ok(s.port > 0);
  });

  test('a correctly signed GET is accepted', async () => {
    const r = await call(s.restUrl, 'GET', 'account', { query: { marginCoin: 'USDT' }, creds });
    assert.equal(r.status, 200);
    assert.equal(r.json?.code, 0);
    assert.equal(r.json?.msg, 'Success');
    assert.equal(r.json?.data[0].positionMode, 'HEDGE');
    assert.equal(r.json?.data[0].marginCoin, 'USDT');
  });

  test('missing api-key: 10003 with HTTP 200', async () => {
    const r = await call(s.restUrl, 'GET', 'account', { query: { marginCoin: 'USDT' }, creds, headers: { 'api-key': undefined } });
    assert.equal(r.status, 200);
    assert.equal(r.json?.code, 10003);
    assert.equal(r.json?.data, null);
  });

  test('wrong secret: 10007', async () => {
    const r = await call(s.restUrl, 'GET', 'account', { query: { marginCoin: 'USDT' }, creds: { key: creds.key, secret: 'nope' } });
    assert.equal(r.status, 200);
    assert.equal(r.json?.code, 10007);
  });

  test('stale and future timestamps: 10007', async () => {
    const stale = await call(s.restUrl, 'GET', 'account', { query: { marginCoin: 'USDT' }, creds, timestamp: String(Date.now() - 120_000) });
    assert.equal(stale.json?.code, 10007);
    const future = await call(s.restUrl, 'GET', 'account', { query: { marginCoin: 'USDT' }, creds, timestamp: String(Date.now() + 120_000) });
    assert.equal(future.json?.code, 10007);
    assert.ok((s.stats().rest.authRejected.timestamp ?? 0) >= 2);
  });

  test('a reused nonce is refused the second time', async () => {
    const nonce = newNonce();
    const first = await call(s.restUrl, 'GET', 'account', { query: { marginCoin: 'USDT' }, creds, nonce });
    assert.equal(first.json?.code, 0);
    const replay = await call(s.restUrl, 'GET', 'account', { query: { marginCoin: 'USDT' }, creds, nonce });
    assert.equal(replay.json?.code, 10007);
    assert.ok((s.stats().rest.authRejected.nonce ?? 0) >= 1);
  });

  test('GET signs the query sorted by key; an unsorted signature is refused', async () => {
    const query = { symbol: 'BTCUSDT', limit: '10', status: 'NEW' };
    const sorted = await call(s.restUrl, 'GET', 'trade/get_pending_orders', { query, creds });
    assert.equal(sorted.json?.code, 0);
    const nonce = newNonce();
    const timestamp = String(Date.now());
    const unsorted = 'symbolBTCUSDTlimit10statusNEW';
    assert.notEqual(unsorted, docQuery(query));
    const r = await call(s.restUrl, 'GET', 'trade/get_pending_orders', {
      query,
      creds,
      nonce,
      timestamp,
      headers: { sign: docSign(nonce, timestamp, creds.key, unsorted, '', creds.secret) },
    });
    assert.equal(r.json?.code, 10007);
  });

  test('POST signs the exact body bytes: same JSON with other spacing is refused', async () => {
    const price = (bidOf(s) - 100).toFixed(1);
    const signedBody = JSON.stringify({ symbol: 'BTCUSDT', side: 'BUY', tradeSide: 'OPEN', orderType: 'LIMIT', qty: '0.001', price });
    const nonce = newNonce();
    const timestamp = String(Date.now());
    const sign = docSign(nonce, timestamp, creds.key, '', signedBody, creds.secret);
    const respaced = signedBody.replace(/,/g, ', ');
    const r = await call(s.restUrl, 'POST', 'trade/place_order', { rawBody: respaced, creds, nonce, timestamp, headers: { sign } });
    assert.equal(r.json?.code, 10007);
    const ok = await call(s.restUrl, 'POST', 'trade/place_order', { rawBody: respaced, creds });
    assert.equal(ok.json?.code, 0, 'the same bytes, signed as sent, are fine');
  });

  test('the test pair is used when nothing else is given', async () => {
    const saved = { key: process.env.BITUNIX_API_KEY, secret: process.env.BITUNIX_API_SECRET };
    delete process.env.BITUNIX_API_KEY;
    delete process.env.BITUNIX_API_SECRET;
    const t = await startBitunixSim({ tickIntervalMs: 600_000 });
    try {
      const r = await call(t.restUrl, 'GET', 'account', { query: { marginCoin: 'USDT' }, creds: { key: SIM_TEST_API_KEY, secret: SIM_TEST_API_SECRET } });
      assert.equal(r.json?.code, 0);
    } finally {
      await t.close();
      if (saved.key !== undefined) process.env.BITUNIX_API_KEY = saved.key;
      if (saved.secret !== undefined) process.env.BITUNIX_API_SECRET = saved.secret;
    }
  });
});

describe('Bitunix simulator REST: endpoints', () => {
  let s: BitunixSim;
  before(async () => (s = await sim()));
  after(() => s.close());

  test('market endpoints need no signature', async () => {
    const tickers = await call(s.restUrl, 'GET', 'market/tickers', { query: { symbols: 'BTCUSDT,ETHUSDT' } });
    assert.equal(tickers.json?.code, 0);
    assert.deepEqual(tickers.json?.data.map((t: any) => t.symbol), ['BTCUSDT', 'ETHUSDT']);
    assert.equal(typeof tickers.json?.data[0].lastPrice, 'string');
    assert.equal(Number(tickers.json?.data[0].lastPrice), bidOf(s));

    const depth = await call(s.restUrl, 'GET', 'market/depth', { query: { symbol: 'BTCUSDT', limit: '5' } });
    assert.equal(depth.json?.code, 0);
    assert.equal(depth.json?.data.bids.length, 5);
    assert.equal(depth.json?.data.asks.length, 5);
    assert.ok(Number(depth.json?.data.asks[0][0]) > Number(depth.json?.data.bids[0][0]));

    const pairs = await call(s.restUrl, 'GET', 'market/trading_pairs', {});
    const btc = pairs.json?.data.find((p: any) => p.symbol === 'BTCUSDT');
    assert.equal(btc.basePrecision, 4);
    assert.equal(btc.quotePrecision, 1);
    assert.equal(btc.minTradeVolume, '0.0001');
  });

  test('market errors: unknown symbol 20001, bad depth limit 10002, unknown path 404', async () => {
    assert.equal((await call(s.restUrl, 'GET', 'market/depth', { query: { symbol: 'NOPEUSDT' } })).json?.code, 20001);
    assert.equal((await call(s.restUrl, 'GET', 'market/depth', { query: { symbol: 'BTCUSDT', limit: '7' } })).json?.code, 10002);
    assert.equal((await call(s.restUrl, 'GET', 'market/nothing', {})).status, 404);
  });

  test('place, detail, pending, modify, cancel', async () => {
    const price = (bidOf(s) - 50).toFixed(1);
    const placed = await call(s.restUrl, 'POST', 'trade/place_order', {
      creds,
      body: { symbol: 'BTCUSDT', side: 'BUY', tradeSide: 'OPEN', orderType: 'LIMIT', effect: 'POST_ONLY', qty: '0.002', price, clientId: 'rest-1' },
    });
    assert.equal(placed.json?.code, 0);
    const { orderId, clientId } = placed.json?.data;
    assert.match(orderId, /^\d+$/);
    assert.equal(clientId, 'rest-1');

    const detail = await call(s.restUrl, 'GET', 'trade/get_order_detail', { query: { orderId }, creds });
    assert.equal(detail.json?.code, 0);
    assert.equal(detail.json?.data.status, 'NEW');
    assert.equal(Number(detail.json?.data.price), Number(price));
    assert.equal(detail.json?.data.qty, '0.002');
    assert.equal(detail.json?.data.effect, 'POST_ONLY');

    const pending = await call(s.restUrl, 'GET', 'trade/get_pending_orders', { query: { symbol: 'BTCUSDT' }, creds });
    assert.equal(pending.json?.code, 0);
    assert.ok(pending.json?.data.orderList.some((o: any) => o.orderId === orderId));
    assert.equal(typeof pending.json?.data.total, 'number');

    const newPrice = (bidOf(s) - 40).toFixed(1);
    const modified = await call(s.restUrl, 'POST', 'trade/modify_order', { creds, body: { orderId, qty: '0.003', price: newPrice } });
    assert.equal(modified.json?.code, 0);
    assert.equal(modified.json?.data.orderId, orderId);
    const noQty = await call(s.restUrl, 'POST', 'trade/modify_order', { creds, body: { orderId, price: newPrice } });
    assert.equal(noQty.json?.code, 10002);
    const afterModify = await call(s.restUrl, 'GET', 'trade/get_order_detail', { query: { clientId: 'rest-1' }, creds });
    assert.equal(Number(afterModify.json?.data.price), Number(newPrice));
    assert.equal(afterModify.json?.data.qty, '0.003');

    const cancelled = await call(s.restUrl, 'POST', 'trade/cancel_orders', { creds, body: { symbol: 'BTCUSDT', orderList: [{ orderId }, { orderId: '1' }] } });
    assert.equal(cancelled.json?.code, 0);
    assert.deepEqual(cancelled.json?.data.successList, [{ orderId, clientId: 'rest-1' }]);
    assert.equal(cancelled.json?.data.failureList[0].orderId, '1');
    const gone = await call(s.restUrl, 'GET', 'trade/get_order_detail', { query: { orderId }, creds });
    assert.equal(gone.json?.data.status, 'CANCELED');
  });

  test('error shapes: unknown order 20007, qty too small 30016, missing tradeSide 10002, bad JSON 10002', async () => {
    const unknown = await call(s.restUrl, 'GET', 'trade/get_order_detail', { query: { orderId: '123' }, creds });
    assert.equal(unknown.status, 200);
    assert.deepEqual({ code: unknown.json?.code, data: unknown.json?.data }, { code: 20007, data: null });
    assert.equal(typeof unknown.json?.msg, 'string');
    const price = (bidOf(s) - 50).toFixed(1);
    const small = await call(s.restUrl, 'POST', 'trade/place_order', {
      creds,
      body: { symbol: 'BTCUSDT', side: 'BUY', tradeSide: 'OPEN', orderType: 'LIMIT', qty: '0', price },
    });
    assert.equal(small.json?.code, 30016);
    const noSide = await call(s.restUrl, 'POST', 'trade/place_order', { creds, body: { symbol: 'BTCUSDT', side: 'BUY', orderType: 'LIMIT', qty: '0.001', price } });
    assert.equal(noSide.json?.code, 10002);
    const badJson = await call(s.restUrl, 'POST', 'trade/place_order', { creds, rawBody: '{"symbol":' });
    assert.equal(badJson.json?.code, 10002);
  });

  test('cancel_all_orders, positions, account mode and the 20009 lock', async () => {
    const price = (bidOf(s) - 50).toFixed(1);
    for (let i = 0; i < 2; i++) {
      const r = await call(s.restUrl, 'POST', 'trade/place_order', {
        creds,
        body: { symbol: 'BTCUSDT', side: 'BUY', tradeSide: 'OPEN', orderType: 'LIMIT', qty: '0.001', price },
      });
      assert.equal(r.json?.code, 0);
    }
    const blocked = await call(s.restUrl, 'POST', 'account/change_position_mode', { creds, body: { positionMode: 'ONE_WAY' } });
    assert.equal(blocked.json?.code, 20009, 'open orders block the change');
    const all = await call(s.restUrl, 'POST', 'trade/cancel_all_orders', { creds, body: { symbol: 'BTCUSDT' } });
    assert.equal(all.json?.code, 0);
    assert.ok(all.json?.data.successList.length >= 2);
    assert.equal(s.state().orders.filter((o) => o.status === 'NEW').length, 0);

    const oneWay = await call(s.restUrl, 'POST', 'account/change_position_mode', { creds, body: { positionMode: 'ONE_WAY' } });
    assert.deepEqual(oneWay.json?.data, [{ positionMode: 'ONE_WAY' }]);
    const mode = await call(s.restUrl, 'GET', 'account', { query: { marginCoin: 'USDT' }, creds });
    assert.equal(mode.json?.data[0].positionMode, 'ONE_WAY');
    s.setPositionMode('HEDGE', { locked: true });
    const locked = await call(s.restUrl, 'POST', 'account/change_position_mode', { creds, body: { positionMode: 'ONE_WAY' } });
    assert.equal(locked.json?.code, 20009);
    s.setPositionMode('HEDGE');

    const taker = await call(s.restUrl, 'POST', 'trade/place_order', {
      creds,
      body: { symbol: 'BTCUSDT', side: 'SELL', tradeSide: 'OPEN', orderType: 'LIMIT', qty: '0.001', price: (bidOf(s) - 1).toFixed(1) },
    });
    assert.equal(taker.json?.code, 0);
    const positions = await call(s.restUrl, 'GET', 'position/get_pending_positions', { query: { symbol: 'BTCUSDT' }, creds });
    assert.equal(positions.json?.code, 0);
    assert.equal(positions.json?.data.length, 1);
    assert.equal(positions.json?.data[0].side, 'SHORT');
    assert.equal(positions.json?.data[0].qty, '0.001');
    assert.match(positions.json?.data[0].positionId, /^\d+$/);
  });

  test('stats over HTTP count requests per endpoint and rejections by code', async () => {
    const stats = JSON.parse((await rawHttp('GET', `${s.restUrl}/_sim/stats`, {})).text);
    assert.ok(stats.rest.byEndpoint['trade/place_order'].requests >= 4);
    assert.ok(stats.rest.byEndpoint['trade/get_order_detail'].rejected['20007'] >= 1);
    assert.ok(stats.rest.rejected['20009'] >= 2);
    assert.ok(stats.orders.placed >= 4);
    assert.ok(stats.orders.modified >= 1);
    assert.ok(stats.orders.cancelled >= 3);
    assert.ok(stats.orders.filled >= 1);
    assert.deepEqual(stats, { ...s.stats(), uptimeMs: stats.uptimeMs });
  });
});

describe('Bitunix simulator REST: rate limits', () => {
  test('place_order allows 10 a second and answers the 11th with 10006 (HTTP 200)', async () => {
    const s = await sim();
    try {
      const price = (bidOf(s) - 50).toFixed(1);
      const body = { symbol: 'BTCUSDT', side: 'BUY', tradeSide: 'OPEN', orderType: 'LIMIT', qty: '0.001', price };
      const results = await Promise.all(Array.from({ length: 13 }, () => call(s.restUrl, 'POST', 'trade/place_order', { creds, body })));
      const codes = results.map((r) => r.json?.code);
      assert.ok(results.every((r) => r.status === 200));
      assert.equal(codes.filter((c) => c === 0).length, 10, codes.join(','));
      assert.equal(codes.filter((c) => c === 10006).length, 3);
      assert.equal(s.stats().rest.byEndpoint['trade/place_order']!.rejected['10006'], 3);
    } finally {
      await s.close();
    }
  });

  test('cancel_orders allows 5 a second; limits are configurable per endpoint', async () => {
    const s = await sim({ rules: { rateLimits: { 'market/depth': 2 } } });
    try {
      const body = { symbol: 'BTCUSDT', orderList: [{ orderId: '1' }] };
      const cancels = await Promise.all(Array.from({ length: 7 }, () => call(s.restUrl, 'POST', 'trade/cancel_orders', { creds, body })));
      assert.equal(cancels.filter((r) => r.json?.code === 10006).length, 2);
      const depth = await Promise.all(Array.from({ length: 4 }, () => call(s.restUrl, 'GET', 'market/depth', { query: { symbol: 'BTCUSDT' } })));
      assert.equal(depth.filter((r) => r.json?.code === 10006).length, 2);
    } finally {
      await s.close();
    }
  });
});
