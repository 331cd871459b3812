// Conformance of the Binance simulator over real sockets on 127.0.0.1: URL forms, payloads, control
// frames and their errors, ids, determinism, shared ids across connections, REST, the local order
// book procedure (spot and USD-M), USD-M routing, and the stats endpoint.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBinanceSim, type BinanceSim } from '../../src/sim/binance/index.ts';
import { waitFor } from '../helpers/wait.ts';

// --- a tiny client that keeps every frame and waits for facts -------------------------------

import { RawWsClient as Client, type Msg } from '../helpers/ws-client.ts';

async function getJson(url: string): Promise<{ status: number; body: Msg }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

const isTrade = (m: Msg) => m.e === 'trade';

// --------------------------------------------------------------------------------------------

describe('binance simulator: URLs and payloads', () => {
  let sim: BinanceSim;
  const clients: Client[] = [];
  const open = async (path: string) => {
    const c = await Client.open(sim.url + path);
    clients.push(c);
    return c;
  };
  before(async () => {
    sim = await startBinanceSim({ rate: 50, rates: { kline: 20, miniTicker: 20 }, rules: { maxIncomingPerSec: 1000 } });
  });
  after(async () => {
    for (const c of clients) c.close();
    await sim.close();
  });

  test('binds 127.0.0.1 and reports matching URLs', () => {
    assert.equal(sim.url, `ws://127.0.0.1:${sim.port}`);
    assert.equal(sim.httpUrl, `http://127.0.0.1:${sim.port}`);
  });

  test('raw /ws/<stream> sends documented trade payloads', async () => {
    const c = await open('/ws/btcusdt@trade');
    const t = await c.next(isTrade, 'a trade');
    assert.deepEqual(Object.keys(t), ['e', 'E', 's', 't', 'p', 'q', 'T', 'm', 'M']);
    assert.equal(t.s, 'BTCUSDT');
    assert.match(t.p, /^\d+\.\d{8}$/);
    assert.match(t.q, /^\d+\.\d{8}$/);
    assert.equal(typeof t.t, 'number');
    assert.ok(Math.abs(t.E - Date.now()) < 5000, 'E is in milliseconds');
    assert.equal(typeof t.m, 'boolean');
  });

  test('raw /ws/<s1>/<s2> carries both streams unwrapped', async () => {
    const c = await open('/ws/btcusdt@trade/ethusdt@aggTrade');
    const agg = await c.next((m) => m.e === 'aggTrade', 'an aggTrade');
    assert.deepEqual(Object.keys(agg), ['e', 'E', 's', 'a', 'p', 'q', 'f', 'l', 'T', 'm', 'M']);
    assert.ok(agg.l >= agg.f);
    await c.next((m) => m.e === 'trade' && m.s === 'BTCUSDT', 'a trade');
  });

  test('/stream?streams= wraps every event as {stream, data}', async () => {
    const c = await open('/stream?streams=btcusdt@trade/btcusdt@bookTicker/btcusdt@depth5@100ms/btcusdt@depth@100ms');
    const trade = await c.next((m) => m.stream === 'btcusdt@trade', 'wrapped trade');
    assert.deepEqual(Object.keys(trade), ['stream', 'data']);
    assert.equal(trade.data.e, 'trade');
    const book = await c.next((m) => m.stream === 'btcusdt@bookTicker', 'bookTicker');
    assert.deepEqual(Object.keys(book.data), ['u', 's', 'b', 'B', 'a', 'A'], 'spot bookTicker has no e/E');
    assert.ok(Number(book.data.b) < Number(book.data.a), 'bid below ask');
    const partial = await c.next((m) => m.stream === 'btcusdt@depth5@100ms', 'partial depth');
    assert.deepEqual(Object.keys(partial.data), ['lastUpdateId', 'bids', 'asks']);
    assert.equal(partial.data.bids.length, 5);
    assert.ok(Number(partial.data.bids[0][0]) > Number(partial.data.bids[4][0]), 'bids best first');
    const diff = await c.next((m) => m.stream === 'btcusdt@depth@100ms', 'diff depth');
    assert.deepEqual(Object.keys(diff.data), ['e', 'E', 's', 'U', 'u', 'b', 'a']);
    assert.ok(diff.data.u >= diff.data.U);
  });

  test('kline and miniTicker streams send their documented shapes', async () => {
    const c = await open('/stream?streams=bnbusdt@kline_1s/bnbusdt@miniTicker');
    const k = await c.next((m) => m.stream === 'bnbusdt@kline_1s', 'kline');
    assert.equal(k.data.e, 'kline');
    for (const key of ['t', 'T', 's', 'i', 'f', 'L', 'o', 'c', 'h', 'l', 'v', 'n', 'x', 'q', 'V', 'Q', 'B']) {
      assert.ok(key in k.data.k, `kline has ${key}`);
    }
    assert.equal(k.data.k.i, '1s');
    assert.equal(k.data.k.T - k.data.k.t, 999);
    const mini = await c.next((m) => m.stream === 'bnbusdt@miniTicker', 'miniTicker');
    assert.deepEqual(Object.keys(mini.data), ['e', 'E', 's', 'c', 'o', 'h', 'l', 'v', 'q']);
    assert.equal(mini.data.e, '24hrMiniTicker');
  });

  test('timeUnit=MICROSECOND switches timestamps to µs', async () => {
    const c = await open('/stream?streams=btcusdt@trade&timeUnit=MICROSECOND');
    const t = await c.next((m) => m.stream === 'btcusdt@trade', 'trade');
    assert.ok(Math.abs(t.data.E / 1000 - Date.now()) < 5000, `E ${t.data.E} is in µs`);
    assert.ok(t.data.T > 1e15);
  });

  test('/ws, /ws/<anything>, /stream and an empty streams= all accept a handshake and SUBSCRIBE', async () => {
    for (const path of ['/ws', '/ws/', '/ws/0', '/ws/someListenKeyThatIsNotAStream', '/stream', '/stream?streams=']) {
      const c = await open(path);
      const reply = await c.request({ method: 'SUBSCRIBE', params: ['ethusdt@trade'], id: 7 }, '7');
      assert.equal(reply, '{"result":null,"id":7}', path);
      const t = await c.next((m) => (m.data ?? m).e === 'trade', `trade on ${path}`);
      assert.equal('stream' in t, path.startsWith('/stream'), `framing on ${path}`);
    }
  });

  test('an unknown path is refused with 404', async () => {
    await assert.rejects(Client.open(sim.url + '/nope'), /404/);
  });
});

describe('binance simulator: control frames', () => {
  let sim: BinanceSim;
  let c: Client;
  before(async () => {
    sim = await startBinanceSim({ rate: 50, rules: { maxIncomingPerSec: 1000 } });
    c = await Client.open(sim.url + '/ws');
  });
  after(async () => {
    c.close();
    await sim.close();
  });

  test('SUBSCRIBE, LIST_SUBSCRIPTIONS and UNSUBSCRIBE', async () => {
    assert.equal(await c.request({ method: 'SUBSCRIBE', params: ['btcusdt@trade', 'ethusdt@trade'], id: 1 }, '1'), '{"result":null,"id":1}');
    assert.equal(await c.request({ method: 'LIST_SUBSCRIPTIONS', id: 3 }, '3'), '{"result":["btcusdt@trade","ethusdt@trade"],"id":3}');
    await c.next((m) => m.s === 'BTCUSDT', 'btc trade');
    assert.equal(await c.request({ method: 'UNSUBSCRIBE', params: ['btcusdt@trade'], id: 312 }, '312'), '{"result":null,"id":312}');
    const replyAt = c.frames.findIndex((raw) => raw === '{"result":null,"id":312}');
    // ETH trades keep coming; no BTC trade may follow the reply.
    for (let i = 0; i < 10; i++) await c.next((m) => m.s === 'ETHUSDT', 'eth trade');
    const btcAfter = c.frames.slice(replyAt + 1).filter((raw) => raw.includes('"s":"BTCUSDT"'));
    assert.deepEqual(btcAfter, []);
    assert.equal(await c.request({ method: 'LIST_SUBSCRIPTIONS', id: 4 }, '4'), '{"result":["ethusdt@trade"],"id":4}');
  });

  test('SET_PROPERTY / GET_PROPERTY combined switches the framing', async () => {
    assert.equal(await c.request({ method: 'GET_PROPERTY', params: ['combined'], id: 2 }, '2'), '{"result":false,"id":2}');
    assert.equal(await c.request({ method: 'SET_PROPERTY', params: ['combined', true], id: 5 }, '5'), '{"result":null,"id":5}');
    assert.equal(await c.request({ method: 'GET_PROPERTY', params: ['combined'], id: 6 }, '6'), '{"result":true,"id":6}');
    const wrapped = await c.next((m) => m.stream === 'ethusdt@trade', 'wrapped trade');
    assert.equal(wrapped.data.e, 'trade');
    await c.request({ method: 'SET_PROPERTY', params: ['combined', false], id: 8 }, '8');
    await c.next((m) => m.e === 'trade', 'raw trade again');
  });

  test('ids are echoed exactly: 64-bit ints, negative ints, strings, null', async () => {
    for (const id of ['9223372036854775807', '-9223372036854775808', '0', '"abcDEF123"', '"' + 'a'.repeat(36) + '"', 'null']) {
      const reply = await c.request(`{"method":"LIST_SUBSCRIPTIONS","id":${id}}`, id);
      assert.equal(reply, `{"result":["ethusdt@trade"],"id":${id}}`);
    }
  });

  test('invalid ids get code 2 with a null id', async () => {
    for (const id of ['"has-dash"', '"' + 'a'.repeat(37) + '"', '1.5', '9223372036854775808', 'true', '[1]']) {
      const reply = await c.request(`{"method":"LIST_SUBSCRIPTIONS","id":${id}}`, 'null');
      const msg = JSON.parse(reply);
      assert.deepEqual(Object.keys(msg), ['error', 'id'], id);
      assert.equal(msg.error.code, 2, id);
      assert.match(msg.error.msg, /request ID/);
    }
    const missing = JSON.parse(await c.request('{"method":"LIST_SUBSCRIPTIONS"}', 'null'));
    assert.equal(missing.error.code, 2);
  });

  test('error codes 0-2 with the documented shape', async () => {
    const cases: [frame: Record<string, unknown>, code: number, msg: RegExp][] = [
      [{ method: 'SET_PROPERTY', params: ['nope', true], id: 10 }, 0, /^Unknown property$/],
      [{ method: 'GET_PROPERTY', params: ['nope'], id: 10 }, 0, /^Unknown property$/],
      [{ method: 'SET_PROPERTY', params: ['combined', 'yes'], id: 10 }, 1, /^Invalid value type: expected Boolean$/],
      [{ method: 'SET_PROPERTY', params: [1, true], id: 10 }, 2, /property name must be a string/],
      [{ method: 'GET_PROPERTY', params: ['combined', 'extra'], id: 10 }, 2, /too many parameters/],
      [{ method: 'LIST_SUBSCRIPTIONS', params: ['x'], id: 10 }, 2, /too many parameters/],
      [{ method: 'SUBSCRIBE', params: ['BTCUSDT@trade'], id: 10 }, 2, /^Invalid request: invalid stream$/],
      [{ method: 'SUBSCRIBE', params: ['btcusdt@nope'], id: 10 }, 2, /^Invalid request: invalid stream$/],
      [{ method: 'SUBSCRIBE', params: [42], id: 10 }, 2, /^Invalid request: invalid stream$/],
      [{ method: 'SUBSCRIBE', params: ['btcusdt@depth@250ms'], id: 10 }, 2, /invalid stream/],
      [{ method: 'SUBSCRIBE', id: 10 }, 2, /params/],
      [{ method: 'subscribe', params: [], id: 10 }, 2, /unknown variant `subscribe`, expected one of `SUBSCRIBE`/],
      [{ params: [], id: 10 }, 2, /missing field `method`/],
    ];
    for (const [frame, code, msg] of cases) {
      const reply = await c.request(frame, '10');
      const parsed = JSON.parse(reply);
      assert.deepEqual(Object.keys(parsed), ['error', 'id'], JSON.stringify(frame));
      assert.deepEqual(Object.keys(parsed.error), ['code', 'msg']);
      assert.equal(parsed.error.code, code, JSON.stringify(frame));
      assert.match(parsed.error.msg, msg, JSON.stringify(frame));
    }
    // A failed SUBSCRIBE subscribes nothing.
    assert.equal(await c.request({ method: 'LIST_SUBSCRIPTIONS', id: 11 }, '11'), '{"result":["ethusdt@trade"],"id":11}');
  });

  test('invalid JSON gets code 3, then the connection is closed', async () => {
    const victim = await Client.open(sim.url + '/ws/btcusdt@trade');
    victim.send('{"method": SUBSCRIBE');
    const err = await victim.next((m) => m.error?.code === 3, 'code 3');
    assert.equal(err.id, null);
    assert.match(err.error.msg, /^Invalid JSON/);
    await waitFor(() => victim.closed, { what: 'close after invalid JSON' });
    assert.equal(victim.closed!.code, 1003);
  });
});

describe('binance simulator: ids and determinism', () => {
  test('two connections on one stream get the same gap-free ids, and stats agree', async () => {
    const sim = await startBinanceSim({ rate: 100 });
    try {
      const a = await Client.open(sim.url + '/ws/btcusdt@trade');
      const b = await Client.open(sim.url + '/stream?streams=btcusdt@trade');
      await waitFor(() => a.data().length >= 30 && b.data().length >= 30, { what: '30 trades each' });
      a.close();
      b.close();
      const ta = a.data().map((m) => m);
      const tb = b.data().map((m) => m.data);
      for (const seq of [ta, tb]) {
        for (let i = 1; i < seq.length; i++) assert.equal(seq[i].t, seq[i - 1].t + 1, 'ids continuous');
      }
      const byId = new Map(ta.map((t) => [t.t, t]));
      const common = tb.filter((t) => byId.has(t.t));
      assert.ok(common.length >= 20, 'the two connections overlap');
      for (const t of common) assert.deepEqual(t, byId.get(t.t), 'same event on both connections');
      await waitFor(() => sim.stats().openConnections === 0, { what: 'both closed' });
      const stats = sim.stats();
      for (const [client, first, path] of [
        [a, ta[0], '/ws/btcusdt@trade'],
        [b, tb[0], '/stream?streams=btcusdt@trade'],
      ] as const) {
        const rec = stats.connections.find((c) => c.path === path);
        assert.ok(rec);
        const s = rec.streams['btcusdt@trade']!;
        assert.equal(s.firstId, first.t, 'the stats start at the first id received');
        assert.equal(s.gaps, 0);
        assert.equal(s.sent, s.lastId! - s.firstId! + 1);
        assert.ok(s.sent >= client.data().length, 'sent at least what was received');
        assert.equal(rec.closeCode, 1006);
        assert.equal(rec.serverInitiated, false);
      }
    } finally {
      await sim.close();
    }
  });

  async function firstTrades(seed: number, n: number): Promise<string[]> {
    const sim = await startBinanceSim({ seed, rate: 200 });
    try {
      const c = await Client.open(sim.url + '/ws/btcusdt@trade/ethusdt@aggTrade');
      await waitFor(() => c.data().filter(isTrade).length >= n && c.data().length >= 2 * n, { what: `${n} trades` });
      c.close();
      const trades = c.data().filter(isTrade).slice(0, n).map((t) => `${t.t} ${t.p} ${t.q} ${t.m}`);
      const aggs = c.data().filter((m) => m.e === 'aggTrade').slice(0, n).map((t) => `${t.a} ${t.p} ${t.q} ${t.f}-${t.l}`);
      const book = await getJson(`${sim.httpUrl}/api/v3/depth?symbol=SOLUSDT&limit=20`);
      return [...trades, ...aggs, JSON.stringify(book.body)];
    } finally {
      await sim.close();
    }
  }

  test('same seed gives the same sequence; another seed a different one', async () => {
    const [a, b, c] = await Promise.all([firstTrades(7, 20), firstTrades(7, 20), firstTrades(8, 20)]);
    assert.deepEqual(a, b);
    const prices = (xs: string[]) => xs.slice(0, 20).map((x) => x.split(' ').slice(1).join(' '));
    assert.notDeepEqual(prices(a), prices(c));
    assert.notEqual(a.at(-1), c.at(-1), 'books differ');
  });
});

describe('binance simulator: REST', () => {
  let sim: BinanceSim;
  before(async () => {
    sim = await startBinanceSim({ symbols: ['BTCUSDT', 'ETHBTC'] });
  });
  after(() => sim.close());

  test('ping, time, exchangeInfo', async () => {
    assert.deepEqual(await getJson(`${sim.httpUrl}/api/v3/ping`), { status: 200, body: {} });
    const time = await getJson(`${sim.httpUrl}/api/v3/time`);
    assert.ok(Math.abs(time.body.serverTime - Date.now()) < 5000);
    const info = (await getJson(`${sim.httpUrl}/api/v3/exchangeInfo`)).body;
    assert.equal(info.timezone, 'UTC');
    assert.deepEqual(
      info.symbols.map((s: Msg) => [s.symbol, s.baseAsset, s.quoteAsset, s.status]),
      [
        ['BTCUSDT', 'BTC', 'USDT', 'TRADING'],
        ['ETHBTC', 'ETH', 'BTC', 'TRADING'],
      ],
    );
    assert.ok(info.symbols[0].filters.some((f: Msg) => f.filterType === 'PRICE_FILTER' && f.tickSize));
    const one = (await getJson(`${sim.httpUrl}/api/v3/exchangeInfo?symbol=ETHBTC`)).body;
    assert.deepEqual(one.symbols.map((s: Msg) => s.symbol), ['ETHBTC']);
    const bad = await getJson(`${sim.httpUrl}/api/v3/exchangeInfo?symbol=NOPE`);
    assert.deepEqual(bad, { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } });
    const futures = (await getJson(`${sim.httpUrl}/fapi/v1/exchangeInfo`)).body;
    assert.equal(futures.symbols[0].contractType, 'PERPETUAL');
  });

  test('depth validates its parameters', async () => {
    assert.equal((await getJson(`${sim.httpUrl}/api/v3/depth`)).body.code, -1102);
    assert.equal((await getJson(`${sim.httpUrl}/api/v3/depth?symbol=btc-usdt`)).body.code, -1121);
    assert.equal((await getJson(`${sim.httpUrl}/api/v3/depth?symbol=BTCUSDT&limit=x`)).body.code, -1100);
    assert.equal((await getJson(`${sim.httpUrl}/fapi/v1/depth?symbol=BTCUSDT&limit=7`)).body.code, -1130);
    const snap = (await getJson(`${sim.httpUrl}/api/v3/depth?symbol=BTCUSDT&limit=5`)).body;
    assert.deepEqual(Object.keys(snap), ['lastUpdateId', 'bids', 'asks']);
    assert.equal(snap.bids.length, 5);
    const fut = (await getJson(`${sim.httpUrl}/fapi/v1/depth?symbol=BTCUSDT&limit=5`)).body;
    assert.deepEqual(Object.keys(fut), ['lastUpdateId', 'E', 'T', 'bids', 'asks']);
    assert.equal((await getJson(`${sim.httpUrl}/api/v3/nope`)).status, 404);
  });
});

describe('binance simulator: local order book from snapshot + diff stream', () => {
  type Book = { bids: Map<string, string>; asks: Map<string, string> };
  const toBook = (snap: Msg): Book => ({
    bids: new Map(snap.bids.map(([p, q]: string[]) => [p, q])),
    asks: new Map(snap.asks.map(([p, q]: string[]) => [p, q])),
  });
  const apply = (book: Book, ev: Msg) => {
    for (const [side, levels] of [
      [book.bids, ev.b],
      [book.asks, ev.a],
    ] as const) {
      for (const [p, q] of levels as [string, string][]) {
        if (Number(q) === 0) side.delete(p);
        else side.set(p, q);
      }
    }
  };

  for (const market of ['spot', 'usdm'] as const) {
    test(`${market}: the documented procedure converges on the REST book`, async () => {
      const sim = await startBinanceSim({ rate: 0, rates: { depth: 20 } });
      const path = market === 'spot' ? '/ws/btcusdt@depth@100ms' : '/public/ws/btcusdt@depth@100ms';
      const rest = `${sim.httpUrl}${market === 'spot' ? '/api/v3' : '/fapi/v1'}/depth?symbol=BTCUSDT&limit=${market === 'spot' ? 5000 : 1000}`;
      const c = await Client.open(sim.url + path);
      try {
        // 1-2: buffer events, note the first U.
        const first = await c.next((m) => m.e === 'depthUpdate', 'first diff');
        // 3-4: snapshot, refetched while it is older than the first event.
        let snap = (await getJson(rest)).body;
        for (let i = 0; snap.lastUpdateId < first.U && i < 50; i++) snap = (await getJson(rest)).body;
        assert.ok(snap.lastUpdateId >= first.U);
        const book = toBook(snap);
        let local = snap.lastUpdateId as number;
        let prevU: number | undefined;
        let applied = 0;
        let processed = 0;
        const events = () => c.data().filter((m) => m.e === 'depthUpdate');
        const drain = () => {
          const all = events();
          for (; processed < all.length; processed++) {
            const ev = all[processed];
            if (market === 'spot') {
              if (ev.u <= local) continue; // 5: drop what the snapshot already has
              assert.ok(ev.U <= local + 1, `gap: U ${ev.U} after local ${local}`);
            } else {
              if (ev.u < snap.lastUpdateId) continue;
              if (prevU === undefined) assert.ok(ev.U <= snap.lastUpdateId && snap.lastUpdateId <= ev.u, 'first event straddles');
              else assert.equal(ev.pu, prevU, 'pu chains to the previous u');
              prevU = ev.u;
            }
            apply(book, ev);
            local = ev.u;
            applied++;
          }
        };
        // Compare when the live book stands still at our local id (between two pushes).
        let matched = false;
        for (let attempt = 0; attempt < 40 && !matched; attempt++) {
          const before = events().length;
          await waitFor(() => events().length > before, { what: 'another diff' });
          drain();
          const now = (await getJson(rest)).body;
          drain();
          if (now.lastUpdateId !== local || applied < 3) continue;
          assert.deepEqual(book, toBook(now));
          matched = true;
        }
        assert.ok(matched, 'caught the live book at the local update id');
      } finally {
        c.close();
        await sim.close();
      }
    });
  }
});

describe('binance simulator: USD-M routing and payloads', () => {
  let sim: BinanceSim;
  before(async () => {
    sim = await startBinanceSim({ rate: 50, rates: { markPrice: 20 }, rules: { maxIncomingPerSec: 1000 } });
  });
  after(() => sim.close());

  test('/public serves depth with T and pu, and bookTicker with e,u,E,T', async () => {
    const c = await Client.open(sim.url + '/public/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker');
    try {
      const d1 = await c.next((m) => m.stream === 'btcusdt@depth@100ms', 'depth');
      const d2 = await c.next((m) => m.stream === 'btcusdt@depth@100ms', 'depth');
      assert.deepEqual(Object.keys(d1.data), ['e', 'E', 'T', 's', 'U', 'u', 'pu', 'b', 'a']);
      assert.equal(d2.data.pu, d1.data.u);
      const bt = await c.next((m) => m.stream === 'btcusdt@bookTicker', 'bookTicker');
      for (const key of ['e', 'u', 'E', 'T', 's', 'b', 'B', 'a', 'A']) assert.ok(key in bt.data, key);
      assert.equal(bt.data.e, 'bookTicker');
    } finally {
      c.close();
    }
  });

  test('a stream on the wrong prefix completes the handshake and SUBSCRIBE but stays silent', async () => {
    const c = await Client.open(sim.url + '/market/ws/btcusdt@depth@100ms');
    try {
      assert.equal(await c.request({ method: 'SUBSCRIBE', params: ['btcusdt@aggTrade', 'btcusdt@bookTicker'], id: 1 }, '1'), '{"result":null,"id":1}');
      // 30 aggTrades at 50/s outlast several 100 ms depth pushes: none may have arrived.
      for (let i = 0; i < 30; i++) await c.next((m) => m.e === 'aggTrade', 'aggTrade');
      assert.deepEqual(c.data().filter((m) => m.e !== 'aggTrade'), []);
      const rec = sim.stats().connections.find((x) => x.path.startsWith('/market/'))!;
      assert.equal(rec.market, 'usdm');
      assert.equal(rec.streams['btcusdt@depth@100ms']!.routed, false);
      assert.equal(rec.streams['btcusdt@bookTicker']!.sent, 0);
      assert.ok(rec.streams['btcusdt@aggTrade']!.sent >= 30);
    } finally {
      c.close();
    }
  });

  test('USD-M-only streams: markPrice on /market, not on spot', async () => {
    const c = await Client.open(sim.url + '/market/stream?streams=btcusdt@markPrice@1s');
    try {
      const mp = await c.next((m) => m.stream === 'btcusdt@markPrice@1s', 'markPrice', 3000);
      assert.equal(mp.data.e, 'markPriceUpdate');
    } finally {
      c.close();
    }
    const spot = await Client.open(sim.url + '/ws');
    try {
      const reply = JSON.parse(await spot.request({ method: 'SUBSCRIBE', params: ['btcusdt@markPrice'], id: 2 }, '2'));
      assert.equal(reply.error.code, 2);
    } finally {
      spot.close();
    }
  });
});

describe('binance simulator: stats over HTTP', () => {
  test('GET /_sim/stats reports what was sent, per connection and stream', async () => {
    const sim = await startBinanceSim({ rate: 100 });
    try {
      const c = await Client.open(sim.url + '/ws/btcusdt@trade');
      await waitFor(() => c.data().length >= 5, { what: '5 trades' });
      const remote = (await getJson(`${sim.httpUrl}/_sim/stats`)).body;
      const local = sim.stats();
      assert.equal(remote.connectionsOpened, 1);
      assert.equal(remote.openConnections, 1);
      const rec = remote.connections[0];
      assert.equal(rec.id, local.connections[0]!.id);
      assert.equal(rec.path, '/ws/btcusdt@trade');
      assert.ok(rec.streams['btcusdt@trade'].sent >= 5);
      assert.equal(rec.streams['btcusdt@trade'].firstId, c.data()[0].t);
      c.close();
      await waitFor(() => sim.stats().connectionsClosed === 1, { what: 'close recorded' });
    } finally {
      await sim.close();
    }
  });
});
