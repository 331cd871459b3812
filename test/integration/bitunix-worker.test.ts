// The `bitunix` probe worker (workers/bitunix.ts) run in-process over a MessageChannel against the
// simulator: the counter, gauge and event names the verdict engine relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SIM_TEST_API_SECRET } from '../../src/sim/bitunix/index.ts';
import { runBitunixWorker } from '../helpers/bitunix-worker.ts';
import { waitFor } from '../helpers/wait.ts';

test('worker: the contract counters, gauges and events, through faults and a stop', async (t) => {
  const w = await runBitunixWorker(t);
  await waitFor(() => (w.counters()['orders.modified'] ?? 0) >= 3, { timeoutMs: 8000, what: 'three modifies reported' });
  w.sim.faults.fire({ kind: 'drop', target: 'private' });
  w.sim.faults.fire({ kind: 'http5xx', count: 3 });
  await waitFor(
    () => {
      const c = w.counters();
      return (c.ws_reconnects ?? 0) >= 1 && (c['errors.http5xx'] ?? 0) >= 3 && (c['orders.modified'] ?? 0) >= 6;
    },
    { timeoutMs: 8000, what: 'reconnect and 5xx counted, modifying again' },
  );
  const live = w.gauges();
  const p50 = live['latency_ms.p50'];
  const p99 = live['latency_ms.p99'];
  const result = await w.stop();
  assert.equal(result.reason, 'test over');
  const c = result.counters;
  for (const name of ['requests', 'orders.placed', 'orders.modified', 'orders.cancelled', 'transitions', 'ws_reconnects', 'errors', 'errors.http5xx']) {
    assert.ok((c[name] ?? 0) >= 1, `${name} = ${c[name]}`);
  }
  assert.equal(c['state.error_lock'] ?? 0, 0);
  assert.ok((c['state_ms.WORKING'] ?? 0) > 0);
  assert.ok((c['state_ms.MODIFYING'] ?? 0) > 0);
  assert.ok(Object.keys(c).every((k) => !k.startsWith('state_ms.') || /^state_ms\.[A-Z_]+$/.test(k)));
  const final = w.gauges();
  assert.equal(final.state, 9, 'STOPPED is index 9');
  assert.ok(typeof final.error_rate === 'number' && final.error_rate >= 0 && final.error_rate < 1);
  assert.ok(typeof p50 === 'number' && typeof p99 === 'number' && p50 > 0 && p99 >= p50, `p50 ${p50} p99 ${p99}`);
  t.diagnostic(`request latency against the simulator: p50 ${p50} ms, p99 ${p99} ms (last report window)`);
  const states = w.events('state').map((e) => `${e.data!.from}→${e.data!.to}`);
  assert.ok(states.includes('INIT→STARTING') && states.includes('CANCELLING→STOPPED'), states.join(' '));
  assert.ok(w.events('connect').some((e) => e.data!.channel === 'private' && e.data!.reconnect === true));
  const drop = w.events('disconnect').find((e) => e.data!.channel === 'private' && e.data!.scheduled === false);
  assert.ok(drop, 'the unscheduled drop is an event');
  assert.equal(typeof drop.data!.code, 'number');
  const fiveXx = w.events('error').filter((e) => e.data!.kind === 'http5xx');
  assert.ok(fiveXx.length >= 3, 'each failed attempt is an error event');
  assert.equal(fiveXx[0]!.data!.status, 503);
  assert.equal(typeof fiveXx[0]!.data!.endpoint, 'string');
  assert.equal(w.sim.state().orders.filter((o) => o.status === 'NEW').length, 0, 'stop cancelled everything');
  assert.ok(w.messages.some((m) => m.type === 'done'));
  for (const m of w.messages) assert.ok(!JSON.stringify(m).includes(SIM_TEST_API_SECRET), 'no secret crosses the port');
});

test('worker: a wrong secret → one error_lock, one auth error, nothing else tried', async (t) => {
  const w = await runBitunixWorker(t, { secret: 'wrong-secret-for-this-test' });
  await waitFor(() => (w.counters()['state.error_lock'] ?? 0) === 1, { timeoutMs: 5000, what: 'error lock counted' });
  const result = await w.stop();
  assert.equal(result.counters['state.error_lock'], 1);
  assert.equal(result.counters['errors.auth'], 1);
  assert.equal(result.counters.requests, 2, 'trading_pairs (public) + account (refused)');
  assert.equal(w.sim.stats().logins.ok + w.sim.stats().logins.rejected, 0);
  const errors = w.events('error');
  assert.equal(errors.length, 1, 'one clear error');
  assert.deepEqual({ kind: errors[0]!.data!.kind, code: errors[0]!.data!.code, endpoint: errors[0]!.data!.endpoint }, { kind: 'auth', code: 10007, endpoint: 'account' });
  assert.match(String(errors[0]!.data!.message), /BITUNIX_API_SECRET/);
  const lock = w.events('state').find((e) => e.data!.to === 'ERROR_LOCK');
  assert.match(String(lock?.data!.reason), /authentication failed/);
  assert.equal(w.gauges().state, 9);
  for (const m of w.messages) assert.ok(!JSON.stringify(m).includes('wrong-secret-for-this-test'));
});

test('worker: target sim without BITUNIX_API_KEY/SECRET uses the simulator test pair', async (t) => {
  const w = await runBitunixWorker(t, { secret: null });
  await waitFor(() => (w.counters()['orders.placed'] ?? 0) >= 1, { timeoutMs: 5000, what: 'an order placed' });
  const result = await w.stop();
  assert.equal(result.counters['state.error_lock'] ?? 0, 0);
  assert.equal(result.counters['errors.auth'] ?? 0, 0);
});
