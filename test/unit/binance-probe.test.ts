import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientOptions } from '../../workers/binance.ts';
import { LatencyHistogram } from '../../workers/lib/latency.ts';
import { optionsSchema } from '../../src/probes/validation/binance.ts';

test('latency histogram: exact below 64 ms, within ~9 % above, bounded memory', () => {
  const h = new LatencyHistogram();
  assert.equal(h.quantile(0.5), undefined);
  for (let i = 0; i < 97; i++) h.add(10.4);
  h.add(500);
  h.add(500);
  h.add(-3); // server clock ahead of ours: counted as 0
  assert.equal(h.quantile(0.5), 11);
  const p99 = h.quantile(0.99)!;
  assert.ok(p99 >= 500 && p99 <= 500 * 1.1, `p99 ${p99}`);
  assert.equal(h.quantile(0.001), 1);
  h.add(1e12); // far beyond the last bucket: clamped, not an out-of-range write
  assert.equal(h.count, 101);
  assert.ok(h.quantile(1)! > 1e5, 'the clamped sample lands in the top bucket');
  h.reset();
  assert.equal(h.quantile(0.99), undefined);
  assert.equal(h.drain(), undefined);
});

test('latency histogram at 0.1 ms resolution: sub-millisecond REST round trips keep their figure', () => {
  const h = new LatencyHistogram(0.1);
  for (let i = 1; i <= 100; i++) h.add(i / 100); // 0.01 … 1.00 ms
  const window = h.drain()!;
  assert.ok(Math.abs(window.p50 - 0.5) <= 0.1 + 1e-9, `p50 ${window.p50}`);
  assert.ok(Math.abs(window.p99 - 1.0) <= 0.1 + 1e-9, `p99 ${window.p99}`);
  assert.equal(h.drain(), undefined, 'drain starts a new interval');
});

test('probe → client options: endpoints from the task, durations in ms, USD-M live hosts', () => {
  const options = optionsSchema.parse({ reconnectDelay: '1s', silenceTimeout: '10s', depth: { orderBook: false } });
  const sim = clientOptions(options, { target: 'sim', endpoints: { ws: 'ws://127.0.0.1:1', rest: 'http://127.0.0.1:1' } });
  assert.equal(sim.wsBaseUrl, 'ws://127.0.0.1:1');
  assert.equal(sim.restBaseUrl, 'http://127.0.0.1:1');
  assert.equal(sim.reconnectDelayMs, 1_000);
  assert.equal(sim.silenceTimeoutMs, 10_000);
  assert.equal(sim.orderBook, false);
  const usdm = optionsSchema.parse({ market: 'usdm' });
  const live = clientOptions(usdm, { target: 'live', endpoints: { ws: 'wss://stream.binance.com:9443', rest: 'https://api.binance.com' } });
  assert.equal(live.wsBaseUrl, 'wss://fstream.binance.com');
  assert.equal(live.restBaseUrl, 'https://fapi.binance.com');
  assert.throws(() => clientOptions(options, { target: 'sim', endpoints: {} }), /endpoints\.ws/);
});
