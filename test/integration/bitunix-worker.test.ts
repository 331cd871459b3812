// The `bitunix` probe worker (workers/bitunix.ts) run in-process over a MessageChannel against the
// simulator: the counter, gauge and event names the verdict engine relies on.
import { optionsSchema } from '../../src/probes/bitunix.ts';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import type { ProbeTask, WorkerMessage } from '../../src/bus/protocol.ts';
import { startBitunixSim, SIM_TEST_API_KEY, SIM_TEST_API_SECRET } from '../../src/sim/bitunix/index.ts';
import bitunixProbe from '../../workers/bitunix.ts';
import { waitFor } from '../helpers/wait.ts';

function withEnv(t: TestContext, vars: Record<string, string | undefined>) {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  t.after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

async function runWorker(t: TestContext, secret: string | undefined) {
  const sim = await startBitunixSim({ seed: 11, tickIntervalMs: 100, apiKey: SIM_TEST_API_KEY, apiSecret: SIM_TEST_API_SECRET });
  withEnv(t, secret === undefined ? { BITUNIX_API_KEY: undefined, BITUNIX_API_SECRET: undefined } : { BITUNIX_API_KEY: SIM_TEST_API_KEY, BITUNIX_API_SECRET: secret });
  const { port1, port2 } = new MessageChannel();
  const messages: WorkerMessage[] = [];
  port2.on('message', (m: WorkerMessage) => messages.push(m));
  const task: ProbeTask = {
    probe: 'bitunix',
    kind: 'bitunix',
    port: port1,
    options: optionsSchema.parse({ tick: '150ms', wsPingInterval: '200ms', reconnectMin: '50ms', reconnectMax: '200ms', modifyConfirmTimeout: '1s', requestTimeout: '2s' }),
    target: 'sim',
    endpoints: { rest: sim.restUrl, wsPublic: sim.wsPublicUrl, wsPrivate: sim.wsPrivateUrl },
    reportIntervalMs: 200,
    gcFloorIntervalMs: 0,
    injectLeakBytesPerSec: 0,
    seed: 1,
  };
  const result = bitunixProbe(task);
  let stopped = false;
  const stop = async () => {
    if (!stopped) {
      stopped = true;
      port2.postMessage({ type: 'stop', reason: 'test over' });
    }
    const value = await result;
    // The final counters and `done` cross the port after the task has resolved.
    await waitFor(() => messages.some((m) => m.type === 'done'), { timeoutMs: 2000, what: 'done message' });
    return value;
  };
  t.after(async () => {
    await stop();
    port2.close();
    await sim.close();
  });
  const counters = () => {
    const last = messages.findLast((m) => m.type === 'counters');
    return last?.type === 'counters' ? last : undefined;
  };
  const events = (kind: string) => messages.filter((m): m is Extract<WorkerMessage, { type: 'event' }> => m.type === 'event' && m.kind === kind);
  return { sim, messages, result, stop, counters, events };
}

test('worker: the contract counters, gauges and events, through faults and a stop', async (t) => {
  const w = await runWorker(t, SIM_TEST_API_SECRET);
  await waitFor(() => (w.counters()?.counters['orders.modified'] ?? 0) >= 3, { timeoutMs: 8000, what: 'three modifies reported' });
  w.sim.faults.fire({ kind: 'drop', target: 'private' });
  w.sim.faults.fire({ kind: 'http5xx', count: 3 });
  await waitFor(
    () => {
      const c = w.counters()?.counters ?? {};
      return (c.ws_reconnects ?? 0) >= 1 && (c['errors.http5xx'] ?? 0) >= 3 && (c['orders.modified'] ?? 0) >= 6;
    },
    { timeoutMs: 8000, what: 'reconnect and 5xx counted, modifying again' },
  );
  const live = w.counters()!;
  const p50 = live.gauges['latency_ms.p50'];
  const p99 = live.gauges['latency_ms.p99'];
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
  const final = w.counters()!;
  assert.equal(final.gauges.state, 9, 'STOPPED is index 9');
  assert.ok(typeof final.gauges.error_rate === 'number' && final.gauges.error_rate > 0 && final.gauges.error_rate < 1);
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
  const w = await runWorker(t, 'wrong-secret-for-this-test');
  await waitFor(() => (w.counters()?.counters['state.error_lock'] ?? 0) === 1, { timeoutMs: 5000, what: 'error lock counted' });
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
  assert.equal(w.counters()!.gauges.state, 9);
  for (const m of w.messages) assert.ok(!JSON.stringify(m).includes('wrong-secret-for-this-test'));
});

test('worker: target sim without BITUNIX_API_KEY/SECRET uses the simulator test pair', async (t) => {
  const w = await runWorker(t, undefined);
  await waitFor(() => (w.counters()?.counters['orders.placed'] ?? 0) >= 1, { timeoutMs: 5000, what: 'an order placed' });
  const result = await w.stop();
  assert.equal(result.counters['state.error_lock'] ?? 0, 0);
  assert.equal(result.counters['errors.auth'] ?? 0, 0);
});
