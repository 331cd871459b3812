// The Binance stream client against the shared simulator (src/sim/binance), time compressed. The
// two were written independently from the docs: a misreading on either side fails here. The tests
// run concurrently (each with its own simulator) because most of their time is spent waiting.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startBinanceSim, type BinanceSim, type BinanceSimOptions } from '../../src/sim/binance/index.ts';
import { BinanceStreamClient } from '../../src/exchanges/binance/index.ts';
import type { BinanceClientError, BinanceStreamClientOptions, DropEvent, ReconnectedEvent } from '../../src/exchanges/binance/index.ts';
import { waitFor } from '../helpers/wait.ts';

async function sim(t: TestContext, options: BinanceSimOptions): Promise<BinanceSim> {
  const s = await startBinanceSim({ seed: 7, ...options });
  t.after(() => s.close());
  return s;
}

function client(t: TestContext, s: BinanceSim, options: BinanceStreamClientOptions) {
  const c = new BinanceStreamClient({
    wsBaseUrl: s.url,
    restBaseUrl: s.httpUrl,
    reconnectDelayMs: 50,
    maxReconnectDelayMs: 400,
    silenceTimeoutMs: 2_000,
    maxConnectionAgeMs: 0,
    minSnapshotIntervalMs: 0,
    ...options,
  });
  t.after(() => c.close());
  const seen = {
    ids: new Map<string, number[]>(),
    drops: [] as DropEvent[],
    reconnected: [] as ReconnectedEvent[],
    errors: [] as BinanceClientError[],
    rotations: 0,
    delivered: 0,
  };
  c.on('message', (stream, data) => {
    seen.delivered++;
    const d = data as { t?: number; a?: number };
    const id = d.t ?? d.a;
    if (id === undefined) return;
    let list = seen.ids.get(stream);
    if (!list) seen.ids.set(stream, (list = []));
    list.push(id);
  });
  c.on('drop', (e) => seen.drops.push(e));
  c.on('reconnected', (e) => seen.reconnected.push(e));
  c.on('error', (e) => seen.errors.push(e));
  c.on('rotation', () => seen.rotations++);
  return { c, seen };
}

function assertContiguous(ids: number[] | undefined, what: string): void {
  assert.ok(ids && ids.length > 0, `${what}: nothing delivered`);
  for (let i = 1; i < ids.length; i++) assert.equal(ids[i], ids[i - 1]! + 1, `${what}: ${ids[i - 1]} then ${ids[i]}`);
}

function assertIncreasing(ids: number[] | undefined, what: string): void {
  assert.ok(ids && ids.length > 0, `${what}: nothing delivered`);
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i]! > ids[i - 1]!, `${what}: ${ids[i - 1]} then ${ids[i]} (duplicate or reorder)`);
}

describe('binance client against the simulator', { concurrency: true }, () => {
  test('rotation every ~2 s for ~12 s: all scheduled, no trade id missing or duplicated, books never resync', async (t) => {
    const s = await sim(t, { rate: 40 });
    const { c, seen } = client(t, s, {
      symbols: ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'],
      streams: ['trade', 'aggTrade', 'bookTicker', 'depth@100ms'],
      maxConnectionAgeMs: 2_000,
      rotationOverlapMaxMs: 1_000,
    });
    c.start();
    await waitFor(() => seen.rotations >= 5 && c.orderBook('BTCUSDT')?.state === 'synced', {
      what: '5 rotations',
      timeoutMs: 16_000,
      intervalMs: 100,
    });
    await c.close();
    const stats = c.stats();
    assert.equal(stats.dropsUnscheduled, 0, JSON.stringify(seen.drops.filter((d) => !d.scheduled)));
    assert.ok(seen.drops.length >= 5 && seen.drops.every((d) => d.scheduled && d.cause === 'rotation'));
    assert.equal(seen.reconnected.length, 0);
    assert.equal(stats.gaps, 0);
    assert.equal(stats.resyncs, 0, 'diff-depth chains survive rotations');
    assert.ok(stats.duplicates > 0, 'overlaps happened and were deduplicated');
    const report = s.stats();
    for (const symbol of ['btcusdt', 'ethusdt', 'bnbusdt']) {
      for (const type of ['trade', 'aggTrade']) {
        const stream = `${symbol}@${type}`;
        const ids = seen.ids.get(stream);
        assertContiguous(ids, stream);
        // Every id the simulator sent on a connection we rotated away from reached the consumer.
        const sent = report.connections.map((conn) => conn.streams[stream]).filter((r) => r?.firstId !== undefined);
        assert.ok(sent.length >= 5, `${stream}: a record per rotated connection`);
        assert.equal(ids![0], Math.min(...sent.map((r) => r!.firstId!)), `${stream}: starts at the first id sent`);
        const closedLast = Math.max(...report.connections.filter((x) => x.closeReason === 'rotation').map((x) => x.streams[stream]?.lastId ?? -1));
        assert.ok(ids!.at(-1)! >= closedLast, `${stream}: delivered up to ${ids!.at(-1)}, a rotated connection sent ${closedLast}`);
        assert.ok(sent.every((r) => r!.gaps === 0), `${stream}: the simulator itself sent without gaps`);
      }
    }
  });

  test("message count reconciles with the simulator's sent count", async (t) => {
    const s = await sim(t, { rate: 0 });
    const { c, seen } = client(t, s, { symbols: ['BTCUSDT', 'ETHUSDT'], streams: ['trade', 'aggTrade', 'bookTicker'], silenceTimeoutMs: 0 });
    c.start();
    await waitFor(() => c.stats().connections[0]?.state === 'open');
    s.faults.fire({ kind: 'burst', count: 250 });
    s.faults.fire({ kind: 'burst', count: 250 });
    await waitFor(() => c.stats().events >= 6 * 500, { what: '3000 events' });
    const report = s.stats();
    const stats = c.stats();
    assert.equal(report.dataSent, 3_000);
    assert.equal(stats.events, report.dataSent, 'every data frame sent was received');
    assert.equal(stats.delivered, report.dataSent, 'and delivered once');
    assert.equal(stats.malformed, 0);
    for (const [stream, rec] of Object.entries(report.connections[0]!.streams)) {
      if (!stream.endsWith('@trade') && !stream.endsWith('@aggTrade')) continue;
      assert.equal(seen.ids.get(stream)?.length, rec.sent, stream);
      assert.equal(seen.ids.get(stream)?.[0], rec.firstId, stream);
      assert.equal(seen.ids.get(stream)?.at(-1), rec.lastId, stream);
    }
  });

  test('forced drops 1000/1001/1006/1011 and a reset: unscheduled, counted, reconnected with backoff', async (t) => {
    const s = await sim(t, { rate: 30 });
    const { c, seen } = client(t, s, { symbols: ['BTCUSDT'], streams: ['trade'], reconnectDelayMs: 100, maxReconnectDelayMs: 400 });
    c.start();
    const faults: ({ kind: 'drop'; code: number } | { kind: 'reset' })[] = [
      { kind: 'drop', code: 1000 },
      { kind: 'drop', code: 1001 },
      { kind: 'drop', code: 1006 },
      { kind: 'drop', code: 1011 },
      { kind: 'reset' },
    ];
    for (let i = 0; i < faults.length; i++) {
      const before = seen.delivered;
      await waitFor(() => seen.delivered > before + 3 && c.stats().connections[0]!.state === 'open', { what: `data before fault ${i}` });
      s.faults.fire(faults[i]!);
      await waitFor(() => seen.reconnected.length === i + 1, { what: `reconnect ${i}` });
    }
    assert.deepEqual(
      seen.drops.map((d) => [d.scheduled, d.code]),
      [
        [false, 1000],
        [false, 1001],
        [false, 1006],
        [false, 1011],
        [false, 1006],
      ],
    );
    // Consecutive drops without a stable connection in between: attempt n waits ≤ min(400, 100·2^(n-1)).
    seen.reconnected.forEach((r, n) => {
      assert.equal(r.attempts, n + 1);
      assert.ok(r.downtimeMs <= Math.min(400, 100 * 2 ** n) + 300, `reconnect ${n} took ${r.downtimeMs.toFixed(0)} ms`);
    });
    const stats = c.stats();
    assert.equal(stats.dropsUnscheduled, 5);
    assert.equal(stats.dropsScheduled, 0);
    assert.equal(stats.reconnects, 5);
    assertIncreasing(seen.ids.get('btcusdt@trade'), 'trades across reconnects');
    assert.ok(stats.gaps >= 1 && stats.missing >= 1, 'trades missed while down are reported as gaps');
  });

  test('restart: every connection closed, the listener down for a while; reconnects once it is back', async (t) => {
    const s = await sim(t, { rate: 30 });
    const { c, seen } = client(t, s, { symbols: ['BTCUSDT'], streams: ['trade'], reconnectDelayMs: 50, maxReconnectDelayMs: 200 });
    c.start();
    await waitFor(() => seen.delivered > 5);
    s.faults.fire({ kind: 'restart', duration: 600 });
    await waitFor(() => seen.reconnected.length === 1, { what: 'reconnected after the restart', timeoutMs: 5_000 });
    assert.deepEqual(
      seen.drops.map((d) => [d.scheduled, d.code]),
      [[false, 1012]],
    );
    assert.ok(seen.errors.some((e) => e.kind === 'connect'), 'refused attempts while the listener was down');
    const before = seen.delivered;
    await waitFor(() => seen.delivered > before + 5);
    assertIncreasing(seen.ids.get('btcusdt@trade'), 'trades across the restart');
  });

  test('stall: the watchdog replaces a silent connection within its timeout', async (t) => {
    const s = await sim(t, { rate: 30 });
    const { c, seen } = client(t, s, { symbols: ['BTCUSDT'], streams: ['trade'], silenceTimeoutMs: 500 });
    c.start();
    await waitFor(() => seen.delivered > 5);
    const firedAt = performance.now();
    s.faults.fire({ kind: 'stall', duration: 10_000 });
    const drop = await waitFor(() => seen.drops[0], { what: 'silence drop' });
    const after = performance.now() - firedAt;
    assert.equal(drop.cause, 'silence');
    assert.equal(drop.scheduled, false);
    assert.ok(after >= 450 && after <= 500 * 1.25 + 600, `detected after ${after.toFixed(0)} ms`);
    const before = seen.delivered;
    await waitFor(() => seen.reconnected.length === 1 && seen.delivered > before + 5, { what: 'data on the new connection' });
  });

  test('malformed and truncated frames: counted, no crash, no drop', async (t) => {
    const s = await sim(t, { rate: 30 });
    const { c, seen } = client(t, s, { symbols: ['BTCUSDT'], streams: ['trade'] });
    const firsts: string[] = [];
    c.on('malformed', (e) => e.first && firsts.push(e.kind));
    c.start();
    await waitFor(() => seen.delivered > 5);
    for (let i = 0; i < 3; i++) {
      s.faults.fire({ kind: 'malformed' });
      s.faults.fire({ kind: 'truncated' });
    }
    await waitFor(() => c.stats().malformed === 6, { what: '6 malformed' });
    assert.deepEqual(c.malformedByKind(), { json: 6 });
    assert.deepEqual(firsts, ['json']);
    const before = seen.delivered;
    await waitFor(() => seen.delivered > before + 5);
    assert.equal(seen.drops.length, 0);
    assertContiguous(seen.ids.get('btcusdt@trade'), 'trades around the junk');
  });

  test('serverShutdown: with grace the switch is seamless; without, a scheduled reconnect', async (t) => {
    const s = await sim(t, { rate: 50 });
    const { c, seen } = client(t, s, { symbols: ['BTCUSDT', 'ETHUSDT'], streams: ['trade'] });
    c.start();
    await waitFor(() => seen.delivered > 10);
    s.faults.fire({ kind: 'shutdown', delay: 500 });
    await waitFor(() => seen.drops.length === 1 && seen.rotations === 1, { what: 'rotation on shutdown' });
    assert.equal(seen.drops[0]!.scheduled, true);
    assert.equal(seen.drops[0]!.cause, 'server-shutdown');
    assertContiguous(seen.ids.get('btcusdt@trade'), 'btcusdt across a graceful shutdown');
    const before = seen.delivered;
    await waitFor(() => seen.delivered > before + 10);
    s.faults.fire({ kind: 'shutdown' });
    await waitFor(() => seen.drops.length === 2 && c.stats().connections[0]!.state === 'open', { what: 'back after an abrupt shutdown' });
    assert.equal(seen.drops[1]!.scheduled, true);
    assert.equal(c.stats().dropsUnscheduled, 0);
    assertIncreasing(seen.ids.get('ethusdt@trade'), 'ethusdt');
  });

  test("the simulator's max-age close (announced by serverShutdown) is scheduled", async (t) => {
    const s = await sim(t, { rate: 30, rules: { maxConnectionAgeMs: 600 } });
    const { c, seen } = client(t, s, { symbols: ['BTCUSDT'], streams: ['trade'], serverMaxConnectionAgeMs: 600 });
    c.start();
    await waitFor(() => seen.drops.length >= 2, { what: 'two age closes', timeoutMs: 5_000 });
    assert.ok(seen.drops.every((d) => d.scheduled), JSON.stringify(seen.drops));
    assert.equal(c.stats().dropsUnscheduled, 0);
  });

  test('SUBSCRIBE frames and pongs stay under the simulator’s incoming limit', async (t) => {
    // Pings at 2/s (100× Binance's pace) leave 2 of the default 4 outgoing frames/s for requests.
    const s = await sim(t, { rate: 10, rules: { pingIntervalMs: 500, maxIncomingPerSec: 5 } });
    const symbols = Array.from({ length: 12 }, (_, i) => `X${i}USDT`);
    const { c, seen } = client(t, s, { symbols, streams: ['trade', 'aggTrade'], subscribeVia: 'frames', maxStreamsPerRequest: 4 });
    let acks = 0;
    c.on('subscribed', () => acks++);
    c.start();
    await waitFor(() => acks === 6 && seen.ids.size === 24, { what: '6 acks and data on 24 streams', timeoutMs: 8_000 }).catch((err: Error) => {
      throw new Error(`${err.message}: acks ${acks}, streams ${seen.ids.size}, drops ${JSON.stringify(seen.drops)}, errors ${seen.errors.map((e) => e.message)}`);
    });
    // Keep going across a few more pings: pongs keep taking their slots without tripping the limit.
    const pings = s.stats().pingsSent;
    await waitFor(() => s.stats().pingsSent >= pings + 3, { what: 'more pings' });
    const report = s.stats();
    assert.equal(seen.drops.length, 0, JSON.stringify(seen.drops));
    assert.equal(report.connectionsOpened, 1);
    assert.ok(report.pongsReceived >= report.pingsSent - 2, `pongs ${report.pongsReceived} for ${report.pingsSent} pings`);
    const sorted = (await c.listSubscriptions())['spot#1']!.sort();
    assert.deepEqual(sorted, [...c.streams].sort());
  });

  test('USD-M: /public and /market connections both deliver; nothing subscribed on an unrouted path', async (t) => {
    const s = await sim(t, { rate: 20 });
    const { c, seen } = client(t, s, { market: 'usdm', symbols: ['BTCUSDT'], streams: ['aggTrade', 'bookTicker', 'depth@100ms'] });
    c.start();
    await waitFor(() => seen.ids.has('btcusdt@aggTrade') && c.orderBook('BTCUSDT')?.state === 'synced', { what: 'aggTrade and a synced futures book' });
    const report = s.stats();
    const byPath = Object.fromEntries(report.connections.map((conn) => [conn.path.split('?')[0], Object.keys(conn.streams).sort()]));
    assert.deepEqual(byPath, { '/market/stream': ['btcusdt@aggTrade'], '/public/stream': ['btcusdt@bookTicker', 'btcusdt@depth@100ms'] });
    assert.ok(report.connections.every((conn) => Object.values(conn.streams).every((r) => r.routed)));
    assert.equal(c.stats().resyncs, 0);
    assert.equal(seen.errors.length, 0, seen.errors.map((e) => e.message).join('; '));
  });
});
