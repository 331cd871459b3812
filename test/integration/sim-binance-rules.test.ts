// The Binance simulator's connection rules over real sockets, with the timings compressed:
// ping/pong deadline, maximum connection age, incoming-message rate, stream count, and the
// per-IP connection-attempt limit.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBinanceSim } from '../../src/sim/binance/index.ts';
import { waitFor } from '../helpers/wait.ts';

import { RawWsClient as Client, type Msg } from '../helpers/ws-client.ts';

describe('binance simulator rules', () => {
  test('ping every interval; only a pong echoing the last ping keeps the connection', async () => {
    const sim = await startBinanceSim({ rate: 0, rules: { pingIntervalMs: 50, pongTimeoutMs: 200, maxIncomingPerSec: 1000 } });
    try {
      const answering = await Client.open(sim.url + '/ws'); // ws answers pings itself
      const silent = await Client.open(sim.url + '/ws', { autoPong: false });
      const unsolicited = await Client.open(sim.url + '/ws', { autoPong: false });
      const manual = await Client.open(sim.url + '/ws', { autoPong: false });
      manual.ws.on('ping', (payload) => manual.ws.pong(payload));
      const spam = setInterval(() => unsolicited.ws.pong(''), 20);
      try {
        await waitFor(() => silent.closed && unsolicited.closed, { what: 'silent clients dropped', timeoutMs: 3000 });
      } finally {
        clearInterval(spam);
      }
      for (const c of [silent, unsolicited]) {
        assert.equal(c.closed!.code, 1008);
        assert.equal(c.closed!.reason, 'Pong timeout');
        assert.ok(c.closed!.at - c.openedAt >= 200, 'not before the deadline');
        assert.ok(c.pings.length >= 1);
      }
      // The answering clients have outlived several deadlines.
      const byPath = () => sim.stats().connections.filter((r) => r.closedAt === undefined);
      await waitFor(() => byPath().length === 2 && byPath().every((r) => r.pongsReceived >= 8), { what: '8 pongs each' });
      assert.equal(answering.closed, undefined);
      assert.equal(manual.closed, undefined);
      assert.ok(answering.pings.length >= 8);
      assert.notEqual(answering.pings[0], answering.pings[1], 'each ping has its own payload');
      const stats = sim.stats();
      const dropped = stats.connections.filter((r) => r.closedAt !== undefined);
      assert.equal(dropped.length, 2);
      for (const r of dropped) {
        assert.equal(r.closeCode, 1008);
        assert.equal(r.serverInitiated, true);
      }
      assert.ok(stats.pingsSent >= 16);
      answering.close();
      manual.close();
    } finally {
      await sim.close();
    }
  });

  test('max connection age: serverShutdown ahead of the limit, data meanwhile, then close at the limit', async () => {
    // The notice is min(shutdownNoticeMs, age / 2): announced at ~150 ms, closed at ~300 ms.
    const sim = await startBinanceSim({ rate: 50, rules: { maxConnectionAgeMs: 300 } });
    try {
      const raw = await Client.open(sim.url + '/ws/btcusdt@trade');
      const combined = await Client.open(sim.url + '/stream?streams=btcusdt@trade&timeUnit=MICROSECOND');
      await waitFor(() => raw.closed && combined.closed, { what: 'both rotated out', timeoutMs: 3000 });
      for (const c of [raw, combined]) {
        assert.equal(c.closed!.code, 1000);
        const age = c.closed!.at - c.openedAt;
        assert.ok(age >= 280 && age < 1500, `closed after ${age} ms`);
        const msgs = c.parsed().map((m) => m.data ?? m);
        const at = msgs.findIndex((m) => m.e === 'serverShutdown');
        assert.ok(at > 0, 'announced after some data');
        assert.equal(msgs.filter((m) => m.e === 'serverShutdown').length, 1);
        assert.ok(msgs.slice(at + 1).some((m) => m.e === 'trade'), 'data keeps flowing during the notice');
      }
      const rawShutdown = raw.parsed().find((m) => m.e === 'serverShutdown');
      assert.deepEqual(Object.keys(rawShutdown), ['e', 'E']);
      assert.ok(Math.abs(rawShutdown.E - Date.now()) < 5000);
      const wrapped = combined.parsed().find((m) => m.stream === '!serverShutdown');
      assert.deepEqual(Object.keys(wrapped), ['stream', 'data']);
      assert.equal(wrapped.data.e, 'serverShutdown');
      assert.ok(wrapped.data.E > 1e15, 'µs like the rest of that connection');
      for (const r of sim.stats().connections) {
        assert.equal(r.serverInitiated, true);
        assert.equal(r.closeCode, 1000);
        assert.equal(r.otherSent, 1);
      }
    } finally {
      await sim.close();
    }
  });

  test('more than 5 incoming frames a second (JSON or ping) closes with 1008; USD-M allows 10', async () => {
    const sim = await startBinanceSim({ rate: 0 });
    try {
      const json = await Client.open(sim.url + '/ws');
      for (let i = 1; i <= 5; i++) json.send({ method: 'LIST_SUBSCRIPTIONS', id: i });
      await waitFor(() => json.frames.length === 5, { what: '5 replies' });
      assert.equal(json.closed, undefined, 'five is within the limit');
      json.send({ method: 'LIST_SUBSCRIPTIONS', id: 6 });
      await waitFor(() => json.closed, { what: 'close on the sixth' });
      assert.equal(json.closed!.code, 1008);
      assert.equal(json.closed!.reason, 'Too many requests');
      assert.equal(json.frames.length, 5, 'no reply to the sixth');

      const pings = await Client.open(sim.url + '/ws');
      for (let i = 0; i < 6; i++) pings.ws.ping();
      await waitFor(() => pings.closed, { what: 'close on the sixth ping' });
      assert.equal(pings.closed!.code, 1008);

      const futures = await Client.open(sim.url + '/market/ws');
      for (let i = 1; i <= 10; i++) futures.send({ method: 'LIST_SUBSCRIPTIONS', id: i });
      await waitFor(() => futures.frames.length === 10, { what: '10 replies' });
      assert.equal(futures.closed, undefined);
      futures.send({ method: 'LIST_SUBSCRIPTIONS', id: 11 });
      await waitFor(() => futures.closed, { what: 'close on the eleventh' });
      assert.equal(futures.closed!.code, 1008);
    } finally {
      await sim.close();
    }
  });

  test('stream limit: SUBSCRIBE beyond 1024 streams is an error; nothing is subscribed', async () => {
    const sim = await startBinanceSim({ rate: 0 });
    try {
      const c = await Client.open(sim.url + '/ws/btcusdt@trade');
      const names = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `s${String(i + from).padStart(4, '0')}usdt@trade`);
      c.send({ method: 'SUBSCRIBE', params: names(1024), id: 1 });
      await waitFor(() => c.frames.length === 1, { what: 'reply 1' });
      assert.deepEqual(JSON.parse(c.frames[0]!), { error: { code: 2, msg: 'Invalid request: too many streams' }, id: 1 });
      c.send({ method: 'SUBSCRIBE', params: names(1023), id: 2 });
      await waitFor(() => c.frames.length === 2, { what: 'reply 2' });
      assert.equal(c.frames[1], '{"result":null,"id":2}');
      c.send({ method: 'SUBSCRIBE', params: names(1, 5000), id: 3 });
      await waitFor(() => c.frames.length === 3, { what: 'reply 3' });
      assert.equal(JSON.parse(c.frames[2]!).error.code, 2);
      c.send({ method: 'LIST_SUBSCRIPTIONS', id: 4 });
      await waitFor(() => c.frames.length === 4, { what: 'reply 4' });
      assert.equal(JSON.parse(c.frames[3]!).result.length, 1024);
      c.close();
    } finally {
      await sim.close();
    }
  });

  test('a URL naming more streams than allowed is refused', async () => {
    const sim = await startBinanceSim({ rate: 0, rules: { maxStreamsPerConnection: 2 } });
    try {
      await assert.rejects(Client.open(sim.url + '/stream?streams=a1@trade/b1@trade/c1@trade'), /400/);
      const ok = await Client.open(sim.url + '/stream?streams=a1@trade/b1@trade');
      ok.close();
      assert.equal(sim.stats().refusedByReason.streams, 1);
    } finally {
      await sim.close();
    }
  });

  test('connection attempts per IP beyond the window budget are refused with 429', async () => {
    const sim = await startBinanceSim({ rate: 0, rules: { maxConnectAttempts: 3, connectWindowMs: 60_000 } });
    try {
      const ok = [];
      for (let i = 0; i < 3; i++) ok.push(await Client.open(sim.url + '/ws'));
      await assert.rejects(Client.open(sim.url + '/ws'), /429/);
      await assert.rejects(Client.open(sim.url + '/ws'), /429/, 'refused attempts count too');
      const res = await fetch(sim.httpUrl + '/api/v3/ping');
      assert.equal(res.status, 200, 'REST is not a connection attempt');
      const stats = sim.stats();
      assert.equal(stats.refusedHandshakes, 2);
      assert.equal(stats.refusedByReason.rate, 2);
      assert.equal(stats.connectionsOpened, 3);
      for (const c of ok) c.close();
    } finally {
      await sim.close();
    }
  });

  test('the window slides: attempts are allowed again once old ones age out', async () => {
    const sim = await startBinanceSim({ rate: 0, rules: { maxConnectAttempts: 2, connectWindowMs: 300 } });
    try {
      (await Client.open(sim.url + '/ws')).close();
      (await Client.open(sim.url + '/ws')).close();
      await assert.rejects(Client.open(sim.url + '/ws'), /429/);
      const later = await waitFor(
        async () => {
          try {
            return await Client.open(sim.url + '/ws');
          } catch {
            return undefined;
          }
        },
        // Attempts closer together than the window would keep it full: refused attempts count.
        { what: 'a connection after the window', intervalMs: 350, timeoutMs: 3000 },
      );
      later.close();
    } finally {
      await sim.close();
    }
  });
});
