// #17 items 4 and 5 against the simulator, through the real probe worker:
// - one blip that drops both streams is one `ws_reconnects`, with per-channel counters beside it;
// - error_rate is failed operations ÷ operations: a 5xx a retry absorbs is an error of an attempt,
//   not a failed operation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricScope } from '../../src/verdict/metrics.ts';
import { parseThreshold } from '../../src/shared/threshold.ts';
import { resolveMetric } from '../../src/shared/catalogue.ts';
import { kindMetrics } from '../../src/probes/index.ts';
import { runBitunixWorker } from '../helpers/bitunix-worker.ts';
import { waitFor } from '../helpers/wait.ts';

test('item 4: a blip that drops the public and the private stream counts once in ws_reconnects', async (t) => {
  const w = await runBitunixWorker(t);
  await waitFor(() => w.events('connect').length >= 2 && (w.counters()['orders.placed'] ?? 0) >= 1, { what: 'both streams up, an order placed' });
  const dropped = w.sim.faults.fire({ kind: 'drop', code: 1006 });
  assert.ok(dropped, 'drop fault fired');
  await waitFor(
    () => {
      const c = w.counters();
      return (c['ws_reconnects.public'] ?? 0) >= 1 && (c['ws_reconnects.private'] ?? 0) >= 1;
    },
    { what: 'both streams reconnected' },
  );
  await w.stop();
  const c = w.counters();
  assert.equal(c['ws_reconnects.public'], 1);
  assert.equal(c['ws_reconnects.private'], 1);
  assert.equal(c.ws_reconnects, 1, 'one blip, one reconnect');
});

test('item 5: error_rate counts operations that finally failed, not retried attempts', async (t) => {
  const w = await runBitunixWorker(t, { options: { verifyInterval: '300ms', maxRetries: 3 } });
  await waitFor(() => (w.counters().operations ?? 0) >= 5 && (w.counters()['orders.placed'] ?? 0) >= 1, { what: 'executor working' });
  const endpoint = 'trade/get_pending_orders';
  const before = { ...w.counters() };
  // Two 5xx: the first look-up retries through both and succeeds.
  w.sim.faults.fire({ kind: 'http5xx', count: 2, target: endpoint });
  await waitFor(() => (w.counters()['errors.http5xx'] ?? 0) - (before['errors.http5xx'] ?? 0) >= 2, { what: 'two 5xx seen' });
  await waitFor(() => (w.counters().operations ?? 0) > (before.operations ?? 0) + 3, { what: 'operations after the absorbed 5xx' });
  assert.equal(w.counters().operations_failed ?? 0, before.operations_failed ?? 0, 'an absorbed 5xx fails no operation');

  // Ten 5xx on the same endpoint: 4 attempts (1 + 3 retries) each → two look-ups fail, the third succeeds.
  const mid = { ...w.counters() };
  w.sim.faults.fire({ kind: 'http5xx', count: 10, target: endpoint });
  await waitFor(() => (w.counters()['errors.http5xx'] ?? 0) - (mid['errors.http5xx'] ?? 0) >= 10, { timeoutMs: 15_000, what: 'ten 5xx seen' });
  await waitFor(() => (w.counters().operations ?? 0) > (mid.operations ?? 0) + 5, { what: 'operations after the failures' });
  await w.stop();
  const c = w.counters();
  assert.equal((c.operations_failed ?? 0) - (mid.operations_failed ?? 0), 2, 'two operations finally failed');
  assert.ok(c.requests! > c.operations!, 'requests count attempts, operations do not');
  const expected = c.operations_failed! / c.operations!;
  assert.ok(Math.abs(w.gauges().error_rate! - expected) < 1e-12, `gauge ${w.gauges().error_rate} = ${expected}`);

  // The verdict's error_rate is the same ratio.
  const scope = new MetricScope([]);
  scope.add({ t: Date.now(), probe: 'bitunix', counters: c, gauges: {} } as never);
  const th = parseThreshold('error_rate < 0.001');
  const resolved = resolveMetric(th, 'probe', kindMetrics('bitunix'));
  assert.ok(resolved.ok);
  assert.equal(scope.value(th, resolved.metric).value, expected);
  assert.notEqual(expected, c.errors! / c.requests!, 'not the old attempts ratio');
});
