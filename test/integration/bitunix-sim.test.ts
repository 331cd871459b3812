// The Bitunix client and executor against the Bitunix simulator (an independent reading of the
// same docs) on 127.0.0.1, in compressed time: sim steps every 100 ms, executor ticks every 150 ms.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startBitunixSim, SIM_TEST_API_KEY, SIM_TEST_API_SECRET, type BitunixSim } from '../../src/sim/bitunix/index.ts';
import { BitunixCredentials } from '../../src/exchanges/bitunix/signer.ts';
import { BitunixRest, type RestObservation } from '../../src/exchanges/bitunix/rest.ts';
import { BitunixWs } from '../../src/exchanges/bitunix/ws.ts';
import { HedgeLimitExecutor, type ExecutorErrorNotice, type OrderNotice } from '../../src/exchanges/bitunix/executor/executor.ts';
import type { ExecutorState, TransitionEvent } from '../../src/exchanges/bitunix/executor/state-machine.ts';
import { waitFor } from '../helpers/wait.ts';

interface Setup {
  sim: BitunixSim;
  executor: HedgeLimitExecutor;
  rest: BitunixRest;
  publicWs: BitunixWs;
  privateWs: BitunixWs;
  observations: RestObservation[];
  transitions: TransitionEvent<ExecutorState>[];
  orders: OrderNotice[];
  errors: ExecutorErrorNotice[];
  done: Promise<void>;
}

async function setup(t: TestContext, options: { secret?: string; seed?: number } = {}): Promise<Setup> {
  const sim = await startBitunixSim({ seed: options.seed ?? 3, tickIntervalMs: 100, apiKey: SIM_TEST_API_KEY, apiSecret: SIM_TEST_API_SECRET, rules: { wsIdleTimeoutMs: 3000 } });
  const credentials = new BitunixCredentials(SIM_TEST_API_KEY, options.secret ?? SIM_TEST_API_SECRET);
  const observations: RestObservation[] = [];
  const rest = new BitunixRest({
    baseUrl: sim.restUrl,
    credentials,
    timeoutMs: 2000,
    retryBaseMs: 20,
    retryMaxMs: 200,
    rateLimitBaseMs: 50,
    rateLimitMaxMs: 400,
    observer: (o) => observations.push(o),
  });
  const wsOptions = { pingIntervalMs: 200, reconnectBaseMs: 50, reconnectMaxMs: 200 };
  const publicWs = new BitunixWs({ url: sim.wsPublicUrl, ...wsOptions });
  const privateWs = new BitunixWs({ url: sim.wsPrivateUrl, credentials, ...wsOptions });
  const executor = new HedgeLimitExecutor({
    rest,
    publicWs,
    privateWs,
    symbol: 'BTCUSDT',
    side: 'BUY',
    qty: '0.0001',
    offset: 0.0005,
    tickMs: 150,
    retryBaseMs: 20,
    retryMaxMs: 200,
    modifyConfirmTimeoutMs: 1000,
    stateTimeouts: { RECONCILING: 5000, PLACING: 5000, MODIFYING: 5000 },
  });
  const transitions: TransitionEvent<ExecutorState>[] = [];
  const orders: OrderNotice[] = [];
  const errors: ExecutorErrorNotice[] = [];
  executor.on('transition', (e) => transitions.push(e));
  executor.on('order', (o) => orders.push(o));
  executor.on('error', (e) => errors.push(e));
  const done = executor.start();
  t.after(async () => {
    await executor.stop('test over');
    await sim.close();
  });
  return { sim, executor, rest, publicWs, privateWs, observations, transitions, orders, errors, done };
}

const until = (what: string, check: () => unknown, timeoutMs = 8000) => waitFor(check, { timeoutMs, what, intervalMs: 10 });

function openOrders(sim: BitunixSim) {
  return sim.state().orders.filter((o) => o.status === 'NEW' || o.status === 'PART_FILLED');
}

/** The executor and the exchange agree: exactly one order rests, at the price the executor believes. */
function consistent(s: Setup): boolean {
  const open = openOrders(s.sim);
  const mine = s.executor.workingOrder();
  return s.executor.state === 'WORKING' && open.length === 1 && mine?.orderId === open[0]!.orderId && mine.pendingPrice === undefined && mine.price === open[0]!.price;
}

function noInternalErrors(s: Setup) {
  assert.deepEqual(
    s.errors.filter((e) => e.kind === 'internal' && !e.message.startsWith('ERROR_LOCK')),
    [],
  );
}

test('signatures accepted; a POST_ONLY BUY rests below the bid, follows the market by modify, and stop cancels it', async (t) => {
  const s = await setup(t);
  await until('WORKING', () => s.executor.state === 'WORKING');
  await until('three modifies confirmed by the order push', () => s.orders.filter((o) => o.action === 'modified').length >= 3 && consistent(s));
  const stats = s.sim.stats();
  assert.deepEqual(stats.rest.authRejected, {}, 'every signed request accepted');
  assert.equal(stats.rest.rejected['10007'] ?? 0, 0);
  assert.equal(stats.logins.ok, 1);
  assert.equal(stats.logins.rejected, 0);
  const [order] = openOrders(s.sim);
  assert.equal(order!.side, 'BUY');
  assert.equal(order!.tradeSide, 'OPEN');
  assert.equal(order!.orderType, 'LIMIT');
  assert.equal(order!.effect, 'POST_ONLY');
  assert.equal(order!.qty, '0.0001');
  // offset below the market (the walk may have moved one step since): ≈ 0.05 % under the last price
  const last = s.sim.state().price.BTCUSDT!;
  const distance = (last - Number(order!.price)) / last;
  assert.ok(distance > 0.0003 && distance < 0.0008, `order ${order!.price} vs last ${last}: ${distance}`);
  assert.equal(s.sim.state().orders.filter((o) => o.status === 'FILLED').length, 0, 'never fills');
  // modify in place: one placement only
  assert.equal(s.orders.filter((o) => o.action === 'placed').length, 1);
  const latencies = s.observations.filter((o) => o.ok).map((o) => o.latencyMs).sort((a, b) => a - b);
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]!.toFixed(2);
  t.diagnostic(`REST latency over ${latencies.length} requests: p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`);
  await s.executor.stop('test over');
  assert.equal(s.executor.state, 'STOPPED');
  assert.equal(openOrders(s.sim).length, 0);
  assert.deepEqual(s.transitions.slice(-2).map((e) => e.to), ['CANCELLING', 'STOPPED']);
  noInternalErrors(s);
});

test('a wrong secret: one clear auth error, ERROR_LOCK, no retry loop (REST and WS)', async (t) => {
  const s = await setup(t, { secret: 'definitely-not-the-secret' });
  await until('ERROR_LOCK', () => s.executor.state === 'ERROR_LOCK');
  assert.match(s.executor.errorLockReason!, /authentication failed/);
  assert.match(s.executor.errorLockReason!, /10007/);
  assert.ok(!s.executor.errorLockReason!.includes('definitely-not-the-secret'));
  const steps = s.sim.state().steps;
  await until('ten more simulator steps', () => s.sim.state().steps >= steps + 10);
  const stats = s.sim.stats();
  assert.equal(stats.rest.rejected['10007'], 1, 'exactly one signed request was tried');
  assert.equal(stats.logins.ok + stats.logins.rejected, 0, 'no WS login attempted with failed credentials');
  assert.equal(s.errors.filter((e) => e.kind === 'auth').length, 1);
  assert.equal(s.transitions.filter((e) => e.to === 'ERROR_LOCK').length, 1);
  await s.executor.stop();
  assert.equal(s.sim.stats().rest.rejected['10007'], 1);
  assert.equal(s.executor.state, 'STOPPED');
});

test('5xx bursts and 429s are retried / backed off and the executor ends consistent', async (t) => {
  const s = await setup(t);
  await until('WORKING', () => consistent(s));
  s.sim.faults.fire({ kind: 'http5xx', count: 5 });
  await until('5xx burst consumed', () => s.observations.filter((o) => o.error?.kind === 'http5xx').length >= 5);
  s.sim.faults.fire({ kind: 'http429', count: 5 });
  await until('429 burst consumed', () => s.observations.filter((o) => o.error?.kind === 'rate_limit').length >= 5);
  s.sim.faults.fire({ kind: 'http5xx', count: 3, target: 'trade/modify_order' });
  await until('modify 5xx consumed', () => s.observations.filter((o) => o.error?.kind === 'http5xx').length >= 8);
  await until('consistent again', () => consistent(s) && s.orders.filter((o) => o.action === 'modified').length >= 2);
  assert.equal(s.transitions.filter((e) => e.to === 'ERROR_LOCK').length, 0);
  assert.equal(openOrders(s.sim).length, 1, 'exactly one working order');
  const duplicates = s.orders.filter((o) => o.action === 'adopted').length;
  t.diagnostic(`adopted after ambiguous failures: ${duplicates}; transitions: ${s.transitions.length}`);
  noInternalErrors(s);
});

test('a WS drop is reconnected, counted, logged in and resubscribed; the executor re-checks and stays consistent', async (t) => {
  const s = await setup(t);
  await until('WORKING with both streams up', () => consistent(s) && s.privateWs.isReady && s.publicWs.isReady);
  const reconnectEvents: string[] = [];
  s.privateWs.on('open', ({ reconnect }) => reconnect && reconnectEvents.push('private'));
  s.publicWs.on('open', ({ reconnect }) => reconnect && reconnectEvents.push('public'));
  s.sim.faults.fire({ kind: 'drop', target: 'all' });
  await until('both streams back', () => s.privateWs.reconnects >= 1 && s.publicWs.reconnects >= 1 && s.privateWs.isReady && s.publicWs.isReady);
  assert.deepEqual(reconnectEvents.sort(), ['private', 'public']);
  assert.equal(s.sim.stats().logins.ok, 2, 'logged in again');
  await until('reconciled after the private reconnect', () => s.transitions.some((e) => e.to === 'RECONCILING' && /reconnected/.test(e.reason)));
  const modifiesBefore = s.orders.filter((o) => o.action === 'modified').length;
  await until('modifies confirmed over the new connection', () => s.orders.filter((o) => o.action === 'modified').length >= modifiesBefore + 2 && consistent(s));
  noInternalErrors(s);
});

test('an order cancelled server-side mid-modify is reconciled and replaced', async (t) => {
  const s = await setup(t);
  await until('WORKING', () => consistent(s));
  let victim: string | undefined;
  s.executor.on('transition', (e) => {
    if (e.to === 'MODIFYING' && !victim) {
      victim = s.executor.workingOrder()!.orderId;
      s.sim.cancelOrderServerSide(victim);
    }
  });
  await until('replacement working', () => victim !== undefined && consistent(s) && s.executor.workingOrder()!.orderId !== victim);
  assert.ok(s.transitions.some((e) => e.from === 'MODIFYING' && e.to === 'RECONCILING'));
  assert.ok(s.orders.some((o) => o.action === 'cancelled' && o.orderId === victim));
  assert.equal(s.sim.state().orders.find((o) => o.orderId === victim)!.status, 'CANCELED');
  noInternalErrors(s);
});

test('an order filled server-side mid-modify is reconciled (fill recorded) and replaced', async (t) => {
  const s = await setup(t);
  await until('WORKING', () => consistent(s));
  let victim: string | undefined;
  s.executor.on('transition', (e) => {
    if (e.to === 'MODIFYING' && !victim) {
      victim = s.executor.workingOrder()!.orderId;
      s.sim.fillOrder(victim);
    }
  });
  await until('replacement working', () => victim !== undefined && consistent(s) && s.executor.workingOrder()!.orderId !== victim);
  assert.ok(s.orders.some((o) => o.action === 'filled' && o.orderId === victim));
  // "No real fills": the long the fill opened is closed at once (reduce-only), so none stays open.
  await until('the filled long closed', () =>
    s.sim.state().orders.some((o) => o.tradeSide === 'CLOSE' && o.positionId !== undefined && o.status === 'FILLED'),
  );
  assert.ok(s.sim.state().positions.every((p) => Number(p.qty) === 0), JSON.stringify(s.sim.state().positions));
  noInternalErrors(s);
});

test('a filled order reported only by the push (no modify in flight) is noticed at once', async (t) => {
  const s = await setup(t);
  await until('WORKING', () => consistent(s));
  const victim = s.executor.workingOrder()!.orderId;
  s.sim.fillOrder(victim);
  await until('replacement working', () => consistent(s) && s.executor.workingOrder()!.orderId !== victim);
  assert.ok(s.transitions.some((e) => e.to === 'RECONCILING' && /FILLED|CLOSE/.test(e.reason)), s.transitions.map((e) => e.reason).join(' | '));
});

test('an order the exchange forgets is written off and replaced', async (t) => {
  const s = await setup(t);
  await until('WORKING', () => consistent(s));
  const victim = s.executor.workingOrder()!.orderId;
  s.sim.forgetOrder(victim);
  await until('replacement working', () => consistent(s) && s.executor.workingOrder()!.orderId !== victim);
  assert.ok(s.orders.some((o) => o.action === 'lost' && o.orderId === victim));
  assert.equal(s.transitions.filter((e) => e.to === 'ERROR_LOCK').length, 0);
});

test('unresolvable: a forgotten order and a locked ONE_WAY account → ERROR_LOCK (position-mode mismatch)', async (t) => {
  const s = await setup(t);
  await until('WORKING', () => consistent(s));
  const victim = s.executor.workingOrder()!.orderId;
  s.sim.forgetOrder(victim);
  s.sim.setPositionMode('ONE_WAY', { locked: true });
  await until('ERROR_LOCK', () => s.executor.state === 'ERROR_LOCK');
  assert.match(s.executor.errorLockReason!, /position-mode mismatch/);
  assert.equal(s.transitions.filter((e) => e.to === 'ERROR_LOCK').length, 1);
  const placed = s.orders.filter((o) => o.action === 'placed').length;
  await s.executor.stop();
  assert.equal(s.executor.state, 'STOPPED');
  assert.equal(s.orders.filter((o) => o.action === 'placed').length, placed, 'no order action after the lock');
  assert.equal(openOrders(s.sim).length, 0);
});

test('a ONE_WAY account is switched to HEDGE at start', async (t) => {
  const sim = await startBitunixSim({ seed: 5, tickIntervalMs: 100, apiKey: SIM_TEST_API_KEY, apiSecret: SIM_TEST_API_SECRET });
  sim.setPositionMode('ONE_WAY');
  const rest = new BitunixRest({ baseUrl: sim.restUrl, credentials: new BitunixCredentials(SIM_TEST_API_KEY, SIM_TEST_API_SECRET), retryBaseMs: 20 });
  const executor = new HedgeLimitExecutor({ rest, symbol: 'BTCUSDT', side: 'SELL', qty: '0.0001', offset: 0.0005, tickMs: 150 });
  t.after(async () => {
    await executor.stop();
    await sim.close();
  });
  void executor.start();
  await until('WORKING', () => executor.state === 'WORKING');
  assert.equal(sim.state().positionMode, 'HEDGE');
  const [order] = openOrders(sim);
  assert.equal(order!.side, 'SELL');
  assert.ok(Number(order!.price) > sim.state().price.BTCUSDT!, 'a SELL rests above the market');
});

test('a locked ONE_WAY account at start → ERROR_LOCK with 20009, nothing placed', async (t) => {
  const sim = await startBitunixSim({ seed: 6, tickIntervalMs: 100, apiKey: SIM_TEST_API_KEY, apiSecret: SIM_TEST_API_SECRET });
  sim.setPositionMode('ONE_WAY', { locked: true });
  const rest = new BitunixRest({ baseUrl: sim.restUrl, credentials: new BitunixCredentials(SIM_TEST_API_KEY, SIM_TEST_API_SECRET) });
  const executor = new HedgeLimitExecutor({ rest, symbol: 'BTCUSDT', side: 'BUY', qty: '0.0001', offset: 0.0005, tickMs: 150 });
  t.after(async () => {
    await executor.stop();
    await sim.close();
  });
  void executor.start();
  await until('ERROR_LOCK', () => executor.state === 'ERROR_LOCK');
  assert.match(executor.errorLockReason!, /position-mode mismatch.*20009/);
  assert.equal(sim.stats().rest.byEndpoint['trade/place_order']?.requests ?? 0, 0);
});

test('a refused WS login (fault) is retried on reconnect without locking the executor', async (t) => {
  const s = await setup(t);
  await until('WORKING, logged in', () => consistent(s) && s.privateWs.isReady);
  s.sim.faults.fire({ kind: 'rejectLogin', count: 1 });
  s.sim.faults.fire({ kind: 'drop', target: 'private' });
  await until('logged in again after one refusal', () => s.sim.stats().logins.rejected === 1 && s.sim.stats().logins.ok === 2 && s.privateWs.isReady);
  await until('consistent', () => consistent(s));
  assert.equal(s.transitions.filter((e) => e.to === 'ERROR_LOCK').length, 0);
});
