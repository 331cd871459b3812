// The `binance` probe worker end to end (in this thread, over a real MessageChannel) against the
// simulator: the counter, gauge and event names the verdict engine relies on, and that the
// per-message path never turns into per-message postMessages.
import { optionsSchema } from '../../src/probes/validation/binance.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import type { ProbeTask, WorkerMessage } from '../../src/bus/protocol.ts';
import { startBinanceSim } from '../../src/sim/binance/index.ts';
import binance from '../../workers/binance.ts';
import { waitFor } from '../helpers/wait.ts';

test('binance probe: contract counters, gauges and events; stops cleanly', async (t) => {
  const sim = await startBinanceSim({ seed: 3, rate: 40 });
  t.after(() => sim.close());
  const { port1, port2 } = new MessageChannel();
  t.after(() => port2.close());
  const posted: WorkerMessage[] = [];
  port2.on('message', (m: WorkerMessage) => posted.push(m));
  const task: ProbeTask = {
    probe: 'binance',
    kind: 'binance',
    port: port1,
    options: optionsSchema.parse({
      symbols: ['BTCUSDT', 'ETHUSDT'],
      streams: ['trade', 'aggTrade'],
      maxConnectionAge: '1s',
      reconnectDelay: '50ms',
      silenceTimeout: '2s',
    }),
    target: 'sim',
    endpoints: { ws: sim.url, rest: sim.httpUrl },
    reportIntervalMs: 200,
    gcFloorIntervalMs: 0,
    injectLeakBytesPerSec: 0,
    seed: 1,
  };
  const done = binance(task);
  const latest = () => posted.filter((m) => m.type === 'counters').at(-1) as Extract<WorkerMessage, { type: 'counters' }> | undefined;
  const counter = (name: string) => latest()?.counters[name] ?? 0;

  await waitFor(() => counter('rotations') >= 1, { what: 'a rotation', timeoutMs: 5_000 });
  sim.faults.fire({ kind: 'drop', code: 1011 });
  await waitFor(() => counter('ws_reconnects') === 1, { what: 'reconnect' });
  sim.faults.fire({ kind: 'malformed' });
  sim.faults.fire({ kind: 'malformed' });
  await waitFor(() => counter('malformed') === 2, { what: 'malformed counted' });
  port2.postMessage({ type: 'stop', reason: 'test over' });
  const result = await done;
  await waitFor(() => posted.some((m) => m.type === 'done'), { what: 'done message' });

  assert.equal(result.reason, 'test over');
  const c = result.counters;
  assert.ok(c.messages! > 100, `messages ${c.messages}`);
  const perStream = ['btcusdt@trade', 'btcusdt@aggTrade', 'ethusdt@trade', 'ethusdt@aggTrade'].map((s) => c[`messages.${s}`] ?? 0);
  assert.ok(perStream.every((n) => n > 0), JSON.stringify(c));
  assert.equal(perStream.reduce((a, b) => a + b, 0), c.messages, 'per-stream counters add up to messages');
  assert.ok(c.connects! >= 3, 'first connect, a rotation socket and a reconnect');
  assert.ok(c.rotations! >= 1);
  assert.ok(c['drops.scheduled']! >= 1);
  assert.equal(c['drops.unscheduled'], 1);
  assert.equal(c.ws_reconnects, 1);
  assert.equal(c.malformed, 2);
  assert.equal(c.resyncs ?? 0, 0);

  const gauges = latest()!.gauges;
  assert.ok(gauges.conn_age_s! >= 0 && gauges.conn_age_s! < 2, `conn_age_s ${gauges.conn_age_s}`);
  assert.ok(gauges.event_latency_ms! >= 0 && gauges.event_latency_ms! < 1_000, `event_latency_ms ${gauges.event_latency_ms}`);
  assert.ok(gauges['event_latency_ms.p99']! >= gauges.event_latency_ms!);

  const events = posted.filter((m): m is Extract<WorkerMessage, { type: 'event' }> => m.type === 'event');
  const kinds = new Set(events.map((e) => e.kind));
  for (const kind of ['connect', 'disconnect', 'rotation', 'malformed']) assert.ok(kinds.has(kind), `event ${kind}`);
  assert.equal(events.filter((e) => e.kind === 'malformed').length, 1, 'only the first of a kind');
  const unscheduled = events.find((e) => e.kind === 'disconnect' && e.data?.scheduled === false);
  assert.deepEqual([unscheduled?.data?.code, typeof unscheduled?.data?.reason], [1011, 'string']);
  assert.ok(events.some((e) => e.kind === 'disconnect' && e.data?.scheduled === true && e.data?.reason === 'rotation'));

  // Reports and events only: nothing per message crossed the port.
  assert.ok(posted.length < c.messages! / 2, `${posted.length} posts for ${c.messages} messages`);
  await waitFor(() => posted.at(-1)?.type === 'done', { what: 'done posted last' });
});
