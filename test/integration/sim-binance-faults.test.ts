// Every fault the Binance simulator supports, seen from a client over real sockets and found in
// faults.log with the connections it touched; plus close() leaving nothing running.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startBinanceSim, type BinanceSim, type BinanceSimOptions } from '../../src/sim/binance/index.ts';
import { waitFor } from '../helpers/wait.ts';

import { RawWsClient as Client, type Msg } from '../helpers/ws-client.ts';

async function withSim(opts: BinanceSimOptions, body: (sim: BinanceSim) => Promise<void>): Promise<void> {
  const sim = await startBinanceSim({ rate: 100, ...opts });
  try {
    await body(sim);
  } finally {
    await sim.close();
  }
}

const idOf = (sim: BinanceSim, path: string) => sim.stats().connections.find((c) => c.path === path)!.id;

describe('binance simulator faults', () => {
  test('drop: default 1006 (no close frame), recorded with the connection', () =>
    withSim({}, async (sim) => {
      const c = await Client.open(sim.url + '/ws/btcusdt@trade');
      await waitFor(() => c.trades().length > 0, { what: 'a trade' });
      const id = idOf(sim, '/ws/btcusdt@trade');
      const record = sim.faults.fire({ kind: 'drop' });
      await waitFor(() => c.closed, { what: 'close' });
      assert.equal(c.closed!.code, 1006);
      assert.equal(c.socketError, undefined, 'a plain close of the TCP connection, not a reset');
      assert.equal(record.kind, 'drop');
      assert.equal(record.source, 'api');
      assert.deepEqual(record.detail, { code: 1006, connections: [id] });
      assert.equal(sim.faults.log.at(-1), record);
      await waitFor(() => sim.stats().connectionsClosed === 1, { what: 'close recorded' });
      const rec = sim.stats().connections[0]!;
      assert.equal(rec.closeCode, 1006);
      assert.equal(rec.serverInitiated, true);
    }));

  test("drop with a code and target 'one' closes only the oldest connection", () =>
    withSim({}, async (sim) => {
      const oldest = await Client.open(sim.url + '/ws/btcusdt@trade');
      const newer = await Client.open(sim.url + '/stream?streams=btcusdt@trade');
      const record = sim.faults.fire({ kind: 'drop', code: 1001, target: 'one' });
      await waitFor(() => oldest.closed, { what: 'oldest closed' });
      assert.equal(oldest.closed!.code, 1001);
      const seen = newer.trades().length;
      await waitFor(() => newer.trades().length >= seen + 5, { what: 'newer keeps receiving' });
      assert.equal(newer.closed, undefined);
      assert.deepEqual(record.detail!.connections, [idOf(sim, '/ws/btcusdt@trade')]);
      newer.close();
    }));

  test('drop codes a close frame cannot carry: 1005 sends an empty close frame, 1015 becomes 1006', () =>
    withSim({}, async (sim) => {
      const a = await Client.open(sim.url + '/ws/btcusdt@trade');
      sim.faults.fire({ kind: 'drop', code: 1005 });
      await waitFor(() => a.closed, { what: 'close' });
      assert.equal(a.closed!.code, 1005);
      const b = await Client.open(sim.url + '/ws/btcusdt@trade');
      const record = sim.faults.fire({ kind: 'drop', code: 1015 });
      await waitFor(() => b.closed, { what: 'close' });
      assert.equal(b.closed!.code, 1006);
      assert.equal(record.detail!.code, 1006);
    }));

  test('reset: the TCP connection is reset', () =>
    withSim({}, async (sim) => {
      const c = await Client.open(sim.url + '/ws/btcusdt@trade');
      const record = sim.faults.fire({ kind: 'reset' });
      await waitFor(() => c.closed, { what: 'close' });
      assert.equal(c.closed!.code, 1006);
      assert.equal(c.socketError?.code, 'ECONNRESET');
      assert.equal((record.detail!.connections as number[]).length, 1);
    }));

  test('stall: no data and no pings sent or answered for the duration; the socket stays open', () =>
    withSim({ rules: { pingIntervalMs: 50, pongTimeoutMs: 200, maxIncomingPerSec: 1000 } }, async (sim) => {
      const c = await Client.open(sim.url + '/ws/btcusdt@trade');
      await waitFor(() => c.trades().length >= 5 && c.pings.length >= 2, { what: 'data and pings flowing' });
      const firedAt = Date.now();
      const record = sim.faults.fire({ kind: 'stall', duration: 400 });
      c.ws.ping('during-stall');
      const pongsBefore = c.pongAt.length;
      // Trade ids jump once the stall ends: find the jump.
      const jump = await waitFor(
        () => {
          const ts = c.trades();
          const i = ts.findIndex((t, k) => k > 0 && t.t !== ts[k - 1].t + 1);
          return i > 0 ? { before: ts[i - 1], after: ts[i], index: i } : undefined;
        },
        { what: 'data after the stall', timeoutMs: 3000 },
      );
      const tradeFrames = c.timed().filter((f) => /"e":"trade"/.test(f.raw));
      const resumedAt = tradeFrames[jump.index]!.at;
      assert.ok(resumedAt - firedAt >= 350, `silent for ${resumedAt - firedAt} ms`);
      assert.equal(c.pongAt.length, pongsBefore, 'the ping sent during the stall was never answered');
      assert.deepEqual(
        // Margins: a ping already in flight when it fired, and the first one after it ends.
        c.pingAt.filter((t) => t > firedAt + 60 && t < firedAt + 380),
        [],
        'no server pings during the stall',
      );
      await waitFor(() => c.pingAt.some((t) => t > resumedAt), { what: 'pings again after the stall' });
      assert.equal(c.closed, undefined, 'the connection survived');
      const skipped = sim.stats().connections[0]!.streams['btcusdt@trade']!;
      assert.equal(jump.after.t - jump.before.t - 1, skipped.skipped, 'the gap is what the stall withheld');
      assert.equal(skipped.gaps, 1);
      assert.deepEqual(record.detail, { duration: 400, connections: [idOf(sim, '/ws/btcusdt@trade')] });
      c.close();
    }));

  test('malformed, truncated and oversized frames reach the client', () =>
    withSim({ rate: 0 }, async (sim) => {
      const raw = await Client.open(sim.url + '/ws/btcusdt@trade');
      const combined = await Client.open(sim.url + '/stream?streams=ethusdt@trade');
      sim.faults.fire({ kind: 'malformed' });
      sim.faults.fire({ kind: 'truncated', target: '/stream' });
      const oversized = sim.faults.fire({ kind: 'oversized', bytes: 200_000, target: 'one' });
      await waitFor(() => raw.frames.length === 2 && combined.frames.length === 2, { what: 'fault frames' });
      assert.equal(raw.invalid().length, 1, 'malformed is not JSON');
      assert.ok(raw.frames[1]!.length > 200_000, 'oversized');
      assert.equal(JSON.parse(raw.frames[1]!).e, 'oversized');
      const [malformed, truncated] = combined.invalid();
      assert.ok(malformed && truncated);
      assert.ok(truncated.startsWith('{"stream":"ethusdt@trade","data":{"e":"trade"'), truncated);
      assert.deepEqual(oversized.detail, { bytes: 200_000, target: 'one', connections: [idOf(sim, '/ws/btcusdt@trade')] });
      const kinds = sim.faults.log.map((r) => [r.kind, (r.detail!.connections as number[]).length]);
      assert.deepEqual(kinds, [
        ['malformed', 2],
        ['truncated', 1],
        ['oversized', 1],
      ]);
      raw.close();
      combined.close();
    }));

  test('burst: count events at once, same gap-free ids to every subscriber', () =>
    withSim({ rate: 0 }, async (sim) => {
      const a = await Client.open(sim.url + '/ws/btcusdt@trade');
      const b = await Client.open(sim.url + '/stream?streams=btcusdt@trade');
      const record = sim.faults.fire({ kind: 'burst', count: 500, target: 'one' });
      await waitFor(() => a.trades().length === 500 && b.trades().length === 500, { what: '500 trades each' });
      const ids = a.trades().map((t) => t.t);
      for (let i = 1; i < ids.length; i++) assert.equal(ids[i], ids[0] + i);
      assert.deepEqual(b.trades().map((t) => t.t), ids);
      assert.deepEqual(record.detail, { count: 500, target: 'one', streams: ['btcusdt@trade'], connections: [1, 2] });
      a.close();
      b.close();
    }));

  test('latency: replies, data and REST are delayed for the duration, in order', () =>
    withSim({ rate: 50, rules: { maxIncomingPerSec: 1000 } }, async (sim) => {
      const c = await Client.open(sim.url + '/ws/btcusdt@trade');
      await waitFor(() => c.trades().length >= 3, { what: 'trades' });
      const record = sim.faults.fire({ kind: 'latency', delay: 300, duration: 1000 });
      const sentAt = Date.now();
      c.ws.send('{"method":"LIST_SUBSCRIPTIONS","id":1}');
      const t0 = Date.now();
      const res = await fetch(sim.httpUrl + '/api/v3/ping');
      assert.equal(res.status, 200);
      assert.ok(Date.now() - t0 >= 280, 'REST delayed');
      await waitFor(() => c.timed().find((f) => f.raw === '{"result":["btcusdt@trade"],"id":1}'), { what: 'reply' });
      const reply = c.timed().find((f) => f.raw.includes('"id":1'))!;
      assert.ok(reply.at - sentAt >= 280, `reply after ${reply.at - sentAt} ms`);
      const ids = c.trades().map((t) => t.t);
      for (let i = 1; i < ids.length; i++) assert.equal(ids[i], ids[i - 1] + 1, 'order kept');
      assert.equal(record.detail!.rest, true);
      assert.equal((record.detail!.connections as number[]).length, 1);
      c.close();
    }));

  test('shutdown: serverShutdown event then close 1001', () =>
    withSim({}, async (sim) => {
      const c = await Client.open(sim.url + '/stream?streams=btcusdt@trade');
      await waitFor(() => c.trades().length > 0, { what: 'a trade' });
      const record = sim.faults.fire({ kind: 'shutdown' });
      await waitFor(() => c.closed, { what: 'close' });
      assert.equal(c.closed!.code, 1001);
      const last = c.json().at(-1);
      assert.equal(last.stream, '!serverShutdown');
      assert.equal(last.data.e, 'serverShutdown');
      assert.deepEqual(record.detail!.connections, [1]);
    }));

  test('restart: connections closed, port refuses, then listens again on the same port', () =>
    withSim({}, async (sim) => {
      const c = await Client.open(sim.url + '/ws/btcusdt@trade');
      const record = sim.faults.fire({ kind: 'restart', duration: 300 });
      await waitFor(() => c.closed, { what: 'close' });
      assert.equal(c.closed!.code, 1012);
      await assert.rejects(Client.open(sim.url + '/ws/btcusdt@trade'), /ECONNREFUSED/);
      await assert.rejects(fetch(sim.httpUrl + '/api/v3/ping'));
      const back = await waitFor(
        async () => {
          try {
            return await Client.open(sim.url + '/ws/btcusdt@trade');
          } catch {
            return undefined;
          }
        },
        { what: 'listening again', intervalMs: 50, timeoutMs: 3000 },
      );
      await waitFor(() => back.trades().length > 0, { what: 'data after restart' });
      assert.equal((await fetch(sim.httpUrl + '/api/v3/ping')).status, 200);
      assert.deepEqual(record.detail, { duration: 300, code: 1012, connections: [1] });
      back.close();
    }));

  test('http5xx and http429 answer the next REST calls, then REST recovers', () =>
    withSim({}, async (sim) => {
      sim.faults.fire({ kind: 'http5xx', count: 2, status: 500 });
      sim.faults.fire({ kind: 'http429' });
      const statuses = [];
      for (let i = 0; i < 4; i++) {
        const res = await fetch(sim.httpUrl + '/api/v3/time');
        statuses.push(res.status);
        if (res.status === 429) {
          assert.equal(res.headers.get('retry-after'), '1');
          assert.equal(((await res.json()) as Msg).code, -1003);
        } else await res.body?.cancel();
      }
      assert.deepEqual(statuses, [500, 500, 429, 200]);
    }));

  test('clockSkew shifts event and server times', () =>
    withSim({}, async (sim) => {
      sim.faults.fire({ kind: 'clockSkew', delay: 5000, duration: 60_000 });
      const time = (await (await fetch(sim.httpUrl + '/api/v3/time')).json()) as Msg;
      assert.ok(Math.abs(time.serverTime - Date.now() - 5000) < 1000);
      const c = await Client.open(sim.url + '/ws/btcusdt@trade');
      await waitFor(() => c.trades().length > 0, { what: 'a trade' });
      assert.ok(Math.abs(c.trades()[0].E - Date.now() - 5000) < 1000);
      c.close();
    }));

  test('scheduled and random faults from the plan fire and are logged with their source', () =>
    withSim({ faults: { schedule: [{ at: '150ms', kind: 'drop', code: 1001 }], random: { malformed: 1200 }, seed: 3 } }, async (sim) => {
      const c = await Client.open(sim.url + '/ws/btcusdt@trade');
      await waitFor(() => c.closed, { what: 'scheduled drop' });
      assert.equal(c.closed!.code, 1001);
      const scheduled = sim.faults.log.find((r) => r.kind === 'drop')!;
      assert.equal(scheduled.source, 'schedule');
      await waitFor(() => sim.faults.log.filter((r) => r.source === 'random').length >= 2, { what: 'random faults' });
    }));

  test('faults can be fired and read over HTTP; unsupported kinds are refused', () =>
    withSim({}, async (sim) => {
      const c = await Client.open(sim.url + '/ws/btcusdt@trade');
      const res = await fetch(sim.httpUrl + '/_sim/faults', { method: 'POST', body: JSON.stringify({ kind: 'drop', code: 4000 }) });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as Msg).kind, 'drop');
      await waitFor(() => c.closed, { what: 'close' });
      assert.equal(c.closed!.code, 4000);
      const bad = await fetch(sim.httpUrl + '/_sim/faults', { method: 'POST', body: '{"kind":"nope"}' });
      assert.equal(bad.status, 400);
      await bad.body?.cancel();
      const unsupported = await fetch(sim.httpUrl + '/_sim/faults', { method: 'POST', body: '{"kind":"rejectLogin"}' });
      assert.equal(unsupported.status, 400);
      await unsupported.body?.cancel();
      assert.throws(() => sim.faults.fire({ kind: 'rejectLogin' }), /does not support/);
      const log = (await (await fetch(sim.httpUrl + '/_sim/faults')).json()) as Msg[];
      assert.deepEqual(
        log.map((r) => r.kind),
        ['drop'],
      );
    }));

  test('close() leaves nothing running: a process that used every feature exits by itself', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const script = `
      import WebSocket from 'ws';
      import { startBinanceSim } from './src/sim/binance/index.ts';
      const sim = await startBinanceSim({ rate: 200, rules: { pingIntervalMs: 20 },
        faults: { schedule: [{ at: '1h', kind: 'drop' }], random: { malformed: 0.001 } } });
      const ws = new WebSocket(sim.url + '/stream?streams=btcusdt@trade/btcusdt@depth@100ms/btcusdt@kline_1m');
      await new Promise((r) => ws.once('message', r));
      ws.on('error', () => {});
      sim.faults.fire({ kind: 'latency', delay: 5000, duration: 60000 });
      sim.faults.fire({ kind: 'stall', duration: 60000 });
      sim.faults.fire({ kind: 'clockSkew', delay: 1000, duration: 60000 });
      fetch(sim.httpUrl + '/api/v3/ping').catch(() => {});
      await new Promise((r) => setTimeout(r, 50));
      await sim.close();
      console.log('closed');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let code: number | null | undefined;
    void exited.then((c) => (code = c));
    try {
      await waitFor(() => code !== undefined, { what: 'the process to exit on its own', timeoutMs: 8000 });
    } finally {
      if (code === undefined) child.kill('SIGKILL');
    }
    assert.equal(code, 0, out);
    assert.match(out, /closed/);
  });
});
