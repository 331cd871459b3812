// The executor's decisions against a scripted in-memory exchange (duck-typed BitunixRest): each
// test sets up one situation the state machine must resolve and checks where it ends.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { HedgeLimitExecutor, type ExecutorErrorNotice, type OrderNotice } from '../../src/exchanges/bitunix/executor/executor.ts';
import type { ExecutorState, StuckEvent, TransitionEvent } from '../../src/exchanges/bitunix/executor/state-machine.ts';
import { BitunixApiError, BitunixError } from '../../src/exchanges/bitunix/errors.ts';
import type { BitunixRest } from '../../src/exchanges/bitunix/rest.ts';
import type { Order, PlaceOrderRequest } from '../../src/exchanges/bitunix/types.ts';
import { waitFor } from '../helpers/wait.ts';

interface FakeOrder extends Order {
  orderId: string;
  clientId: string;
  price: string;
  qty: string;
  status: string;
  request: PlaceOrderRequest;
}

const LIVE = new Set(['NEW', 'PART_FILLED']);

class FakeExchange {
  hasCredentials = true;
  mode: 'HEDGE' | 'ONE_WAY' = 'HEDGE';
  modeLocked = false;
  bid = '60000.0';
  ask = '60000.1';
  orders = new Map<string, FakeOrder>();
  calls: string[] = [];
  /** Errors thrown by the next calls of a method ('*' = any authenticated method). */
  failures = new Map<string, Array<Error | ((...args: any[]) => Error | undefined)>>();
  /** Orders that ignore cancel requests. */
  stubborn = new Set<string>();
  /** Orders forgotten by the exchange (20007 everywhere, not in the pending list). */
  forgotten = new Set<string>();
  /** Called before a modify is applied (to change the order under the modify). */
  onModify: ((order: FakeOrder) => void) | undefined;
  /** Makes place_order create extra copies (a duplicate the exchange made). */
  duplicateNextPlace = false;
  /** Makes place_order create the order and then throw this (ambiguous failure). */
  createThenFail: Error | undefined;
  private seq = 100;

  private enter(method: string, authed = true, ...args: unknown[]) {
    this.calls.push(method);
    for (const key of [method, ...(authed ? ['*'] : [])]) {
      const queue = this.failures.get(key);
      if (queue && queue.length > 0) {
        const next = queue.shift()!;
        const err = typeof next === 'function' ? next(...args) : next;
        if (err) throw err;
      }
    }
  }

  fail(method: string, ...errors: Array<Error | ((...args: any[]) => Error | undefined)>) {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...errors]);
  }

  live(): FakeOrder[] {
    return [...this.orders.values()].filter((o) => LIVE.has(o.status) && !this.forgotten.has(o.orderId));
  }

  count(method: string): number {
    return this.calls.filter((c) => c === method).length;
  }

  async getTradingPairs() {
    this.enter('getTradingPairs', false);
    return [{ symbol: 'BTCUSDT', basePrecision: 4, quotePrecision: 1, minTradeVolume: '0.0001' }];
  }

  async getAccount() {
    this.enter('getAccount');
    return { positionMode: this.mode, raw: {} };
  }

  async changePositionMode(mode: 'HEDGE' | 'ONE_WAY') {
    this.enter('changePositionMode');
    if (this.modeLocked || this.live().length > 0) {
      throw new BitunixApiError('account/change_position_mode', 20009, 'Position exists, so positions mode cannot be updated');
    }
    this.mode = mode;
    return mode;
  }

  async placeOrder(req: PlaceOrderRequest) {
    this.enter('placeOrder', true, req);
    if (this.mode !== 'HEDGE') throw new BitunixApiError('trade/place_order', 10002, 'tradeSide not allowed in ONE_WAY');
    const make = (clientId: string) => {
      const order: FakeOrder = { orderId: String(this.seq++), clientId, price: req.price!, qty: req.qty, status: 'NEW', side: req.side, request: req };
      this.orders.set(order.orderId, order);
      return order;
    };
    const order = make(req.clientId!);
    if (this.duplicateNextPlace) {
      this.duplicateNextPlace = false;
      make(`${req.clientId}d`);
    }
    if (this.createThenFail) {
      const err = this.createThenFail;
      this.createThenFail = undefined;
      throw err;
    }
    return { orderId: order.orderId, clientId: order.clientId };
  }

  async modifyOrder(req: { orderId?: string; qty: string; price: string }) {
    this.enter('modifyOrder', true, req);
    const order = this.orders.get(req.orderId!);
    if (order) this.onModify?.(order);
    if (!order || this.forgotten.has(order.orderId)) throw new BitunixApiError('trade/modify_order', 20007, 'Order not found, please try it later');
    if (!LIVE.has(order.status)) throw new BitunixApiError('trade/modify_order', 30011, 'Abnormal order status');
    order.price = req.price;
    order.qty = req.qty;
    return { orderId: order.orderId, clientId: order.clientId };
  }

  async cancelOrders(_symbol: string, list: Array<{ orderId?: string; clientId?: string }>) {
    this.enter('cancelOrders', true, list);
    const successList: Array<{ orderId: string; clientId: string }> = [];
    const failureList: Array<{ orderId?: string; errorCode: number; errorMsg: string }> = [];
    for (const item of list) {
      const order = item.orderId ? this.orders.get(item.orderId) : [...this.orders.values()].find((o) => o.clientId === item.clientId);
      if (!order || !LIVE.has(order.status) || this.forgotten.has(order.orderId) || this.stubborn.has(order.orderId)) {
        failureList.push({ ...(item.orderId ? { orderId: item.orderId } : {}), errorCode: 20007, errorMsg: 'Order not found' });
        continue;
      }
      order.status = 'CANCELED';
      successList.push({ orderId: order.orderId, clientId: order.clientId });
    }
    return { successList, failureList };
  }

  async getPendingOrders() {
    this.enter('getPendingOrders');
    const orders = this.live().map((o) => ({ ...o }));
    return { orders, total: orders.length };
  }

  async getOrderDetail(id: { orderId?: string; clientId?: string }) {
    this.enter('getOrderDetail', true, id);
    const order = id.orderId ? this.orders.get(id.orderId) : [...this.orders.values()].find((o) => o.clientId === id.clientId);
    if (!order || this.forgotten.has(order.orderId)) throw new BitunixApiError('trade/get_order_detail', 20007, 'Order not found, please try it later');
    return { ...order };
  }

  async findByClientId(clientId: string) {
    try {
      return await this.getOrderDetail({ clientId });
    } catch (err) {
      if (err instanceof BitunixApiError && err.code === 20007) return undefined;
      throw err;
    }
  }

  async getDepth() {
    this.enter('getDepth', false);
    return { bid: this.bid, ask: this.ask, ts: Date.now() };
  }
}

const auth = () => new BitunixApiError('account', 10007, 'Sign signature error');
const http503 = () => new BitunixError('Bitunix x: HTTP 503', { kind: 'http5xx', status: 503, ambiguous: true });

function run(t: TestContext, fake: FakeExchange, extra: Partial<ConstructorParameters<typeof HedgeLimitExecutor>[0]> = {}) {
  const executor = new HedgeLimitExecutor({
    rest: fake as unknown as BitunixRest,
    symbol: 'BTCUSDT',
    side: 'BUY',
    qty: '0.0001',
    offset: 0.0005,
    tickMs: 15,
    retryBaseMs: 5,
    retryMaxMs: 20,
    ...extra,
  });
  const transitions: TransitionEvent<ExecutorState>[] = [];
  const orders: OrderNotice[] = [];
  const errors: ExecutorErrorNotice[] = [];
  const stuck: StuckEvent<ExecutorState>[] = [];
  executor.on('transition', (t) => transitions.push(t));
  executor.on('order', (o) => orders.push(o));
  executor.on('error', (e) => errors.push(e));
  executor.on('stuck', (s) => stuck.push(s));
  const done = executor.start();
  // A failed assertion must not leave the loop running and the test file hanging.
  t.after(() => executor.stop('test cleanup'));
  const internal = () => errors.filter((e) => e.kind === 'internal' && !e.message.startsWith('ERROR_LOCK'));
  return { executor, transitions, orders, errors, stuck, done, internal };
}

const until = (what: string, check: () => unknown, timeoutMs = 3000) => waitFor(check, { timeoutMs, what });

test('places one POST_ONLY LIMIT OPEN order below the bid, follows the market, cancels on stop', async (t) => {
  const fake = new FakeExchange();
  const r = run(t, fake);
  await until('WORKING', () => r.executor.state === 'WORKING');
  assert.equal(fake.live().length, 1);
  const order = fake.live()[0]!;
  assert.deepEqual(
    { ...order.request, clientId: undefined },
    { symbol: 'BTCUSDT', side: 'BUY', qty: '0.0001', price: '59970.0', tradeSide: 'OPEN', orderType: 'LIMIT', effect: 'POST_ONLY', clientId: undefined },
  );
  fake.bid = '60100.0';
  fake.ask = '60100.1';
  // 60100 * 0.9995 = 60069.95 → 60069.9
  await until('modified to 60069.9', () => fake.live()[0]?.price === '60069.9' && r.executor.state === 'WORKING');
  assert.equal(fake.live().length, 1, 'modified in place, not re-placed');
  assert.equal(fake.count('placeOrder'), 1);
  const modifies = fake.count('modifyOrder');
  // Only the ask moves: a BUY's target stays on the same tick, so there is nothing to modify.
  fake.ask = '60100.5';
  const reads = fake.count('getDepth');
  await until('five more ticks', () => fake.count('getDepth') >= reads + 5);
  assert.equal(fake.count('modifyOrder'), modifies);
  await r.executor.stop('test over');
  await r.done;
  assert.equal(r.executor.state, 'STOPPED');
  assert.equal(fake.live().length, 0, 'every order it placed is cancelled');
  assert.ok(r.orders.some((o) => o.action === 'cancelled'));
  assert.deepEqual(r.internal(), []);
  assert.deepEqual(
    r.transitions.slice(0, 4).map((t) => t.to),
    ['STARTING', 'IDLE', 'PLACING', 'WORKING'],
  );
  assert.deepEqual(r.transitions.slice(-2).map((t) => t.to), ['CANCELLING', 'STOPPED']);
  for (const t of r.transitions) assert.ok(t.reason.length > 0 && t.at > 0);
});

test('a SELL rests above the ask', async (t) => {
  const fake = new FakeExchange();
  const r = run(t, fake, { side: 'SELL', offset: 0.001 });
  await until('WORKING', () => r.executor.state === 'WORKING');
  // 60000.1 * 1.001 = 60060.1001 → up to 60060.2
  assert.equal(fake.live()[0]!.price, '60060.2');
  assert.equal(fake.live()[0]!.side, 'SELL');
  await r.executor.stop();
});

test('a ONE_WAY account is switched to HEDGE at start', async (t) => {
  const fake = new FakeExchange();
  fake.mode = 'ONE_WAY';
  const r = run(t, fake);
  await until('WORKING', () => r.executor.state === 'WORKING');
  assert.equal(fake.mode, 'HEDGE');
  await r.executor.stop();
});

test('a locked ONE_WAY account (20009) → ERROR_LOCK "position-mode mismatch", nothing placed', async (t) => {
  const fake = new FakeExchange();
  fake.mode = 'ONE_WAY';
  fake.modeLocked = true;
  const r = run(t, fake);
  await until('ERROR_LOCK', () => r.executor.state === 'ERROR_LOCK');
  assert.match(r.executor.errorLockReason!, /position-mode mismatch/);
  assert.match(r.executor.errorLockReason!, /20009/);
  assert.equal(fake.count('placeOrder'), 0);
  await r.executor.stop();
  assert.equal(r.executor.state, 'STOPPED');
  assert.equal(r.transitions.filter((t) => t.to === 'ERROR_LOCK').length, 1);
});

test('a wrong secret: one auth failure, one ERROR_LOCK, no retry loop', async (t) => {
  const fake = new FakeExchange();
  for (let i = 0; i < 50; i++) fake.fail('*', auth());
  const r = run(t, fake);
  await until('ERROR_LOCK', () => r.executor.state === 'ERROR_LOCK');
  const callsAtLock = fake.calls.length;
  // Ten tick periods in the lock (15 ms each): a retry loop would have shown by then.
  const lockedAt = r.transitions.find((e) => e.to === 'ERROR_LOCK')!.at;
  await until('ten tick periods locked', () => Date.now() >= lockedAt + 150);
  await r.executor.stop();
  assert.equal(r.executor.state, 'STOPPED');
  assert.equal(fake.count('getAccount'), 1);
  assert.equal(fake.calls.length, callsAtLock, 'no requests after the lock, stop included');
  assert.equal(r.errors.filter((e) => e.kind === 'auth').length, 1);
  assert.match(r.executor.errorLockReason!, /authentication failed.*10007/);
  assert.equal(r.transitions.filter((t) => t.to === 'ERROR_LOCK').length, 1);
});

test('missing credentials lock at once with a clear reason', async (t) => {
  const fake = new FakeExchange();
  fake.hasCredentials = false;
  const r = run(t, fake);
  await until('ERROR_LOCK', () => r.executor.state === 'ERROR_LOCK');
  assert.match(r.executor.errorLockReason!, /BITUNIX_API_KEY/);
  assert.equal(fake.calls.length, 0);
  await r.executor.stop();
});

test('filled server-side mid-modify: modify fails, reconciling sees FILLED, a new order is placed', async (t) => {
  const fake = new FakeExchange();
  const r = run(t, fake);
  await until('WORKING', () => r.executor.state === 'WORKING');
  const first = fake.live()[0]!.orderId;
  fake.onModify = (o) => {
    o.status = 'FILLED';
    fake.onModify = undefined;
  };
  fake.bid = '60200.0';
  fake.ask = '60200.1';
  await until('a new order working', () => r.executor.state === 'WORKING' && fake.live()[0]?.orderId !== first && fake.live().length === 1);
  assert.ok(r.orders.some((o) => o.action === 'filled' && o.orderId === first));
  assert.ok(r.transitions.some((t) => t.from === 'MODIFYING' && t.to === 'RECONCILING'));
  assert.ok(r.transitions.some((t) => t.from === 'RECONCILING' && t.to === 'IDLE'));
  await r.executor.stop();
  assert.equal(fake.live().length, 0);
  assert.deepEqual(r.internal(), []);
});

test('cancelled server-side mid-modify (the modify itself is accepted) is noticed and replaced', async (t) => {
  const fake = new FakeExchange();
  const r = run(t, fake, { modifyConfirmTimeoutMs: 30 });
  await until('WORKING', () => r.executor.state === 'WORKING');
  const first = fake.live()[0]!.orderId;
  fake.onModify = (o) => {
    fake.onModify = undefined;
    // accepted, then cancelled right after
    queueMicrotask(() => (o.status = 'CANCELED'));
  };
  fake.bid = '60300.0';
  fake.ask = '60300.1';
  await until('replacement working', () => r.executor.state === 'WORKING' && fake.live().length === 1 && fake.live()[0]!.orderId !== first);
  assert.ok(r.orders.some((o) => o.action === 'cancelled' && o.orderId === first));
  await r.executor.stop();
  assert.deepEqual(r.internal(), []);
});

test('place_order fails ambiguously after the order was created: adopted, never doubled', async (t) => {
  const fake = new FakeExchange();
  fake.createThenFail = http503();
  const r = run(t, fake);
  await until('WORKING', () => r.executor.state === 'WORKING');
  assert.equal(fake.count('placeOrder'), 1);
  assert.equal(fake.live().length, 1);
  assert.ok(r.orders.some((o) => o.action === 'adopted'));
  assert.ok(r.transitions.some((t) => t.from === 'PLACING' && t.to === 'RECONCILING'));
  await r.executor.stop();
  assert.equal(fake.live().length, 0);
});

test('a duplicate of ours on the book is cancelled, leaving exactly one', async (t) => {
  const fake = new FakeExchange();
  fake.duplicateNextPlace = true;
  fake.createThenFail = http503();
  const r = run(t, fake);
  await until('one working order', () => r.executor.state === 'WORKING' && fake.live().length === 1);
  assert.ok(r.transitions.some((t) => t.to === 'CANCELLING' && /extra/.test(t.reason)));
  await r.executor.stop();
  assert.equal(fake.live().length, 0);
});

test('an order of ours that survives every cancel → ERROR_LOCK "unknown order persists"', async (t) => {
  const fake = new FakeExchange();
  fake.duplicateNextPlace = true;
  fake.createThenFail = http503();
  const origPlace = fake.placeOrder.bind(fake);
  fake.placeOrder = async (req) => {
    const ack = origPlace(req);
    for (const o of fake.orders.values()) if (o.clientId.endsWith('d')) fake.stubborn.add(o.orderId);
    return ack;
  };
  const r = run(t, fake, { maxCancelRounds: 2 });
  await until('ERROR_LOCK', () => r.executor.state === 'ERROR_LOCK');
  assert.match(r.executor.errorLockReason!, /unknown order persists/);
  await r.executor.stop();
  assert.equal(r.executor.state, 'STOPPED');
});

test('an order the exchange forgot is written off after retries and replaced', async (t) => {
  const fake = new FakeExchange();
  const r = run(t, fake);
  await until('WORKING', () => r.executor.state === 'WORKING');
  const first = fake.live()[0]!.orderId;
  fake.forgotten.add(first);
  fake.bid = '60400.0';
  fake.ask = '60400.1';
  await until('replacement', () => r.executor.state === 'WORKING' && fake.live().length === 1);
  assert.ok(r.orders.some((o) => o.action === 'lost' && o.orderId === first));
  assert.ok(fake.count('getAccount') >= 2, 'position mode re-checked after an order vanished');
  await r.executor.stop();
});

test('forgotten order + a locked ONE_WAY account → ERROR_LOCK', async (t) => {
  const fake = new FakeExchange();
  const r = run(t, fake);
  await until('WORKING', () => r.executor.state === 'WORKING');
  fake.forgotten.add(fake.live()[0]!.orderId);
  fake.mode = 'ONE_WAY';
  fake.modeLocked = true;
  fake.bid = '60500.0';
  fake.ask = '60500.1';
  await until('ERROR_LOCK', () => r.executor.state === 'ERROR_LOCK');
  assert.match(r.executor.errorLockReason!, /position-mode mismatch/);
  const placed = fake.count('placeOrder');
  await r.executor.stop();
  assert.equal(fake.count('placeOrder'), placed);
  assert.equal(r.executor.state, 'STOPPED');
});

test('credentials failing once at runtime are re-checked and the executor carries on', async (t) => {
  const fake = new FakeExchange();
  const r = run(t, fake);
  await until('WORKING', () => r.executor.state === 'WORKING');
  fake.fail('modifyOrder', auth());
  fake.bid = '60600.0';
  fake.ask = '60600.1';
  await until('modified after the hiccup', () => fake.live()[0]?.price === '60569.7' && r.executor.state === 'WORKING');
  assert.equal(r.transitions.filter((t) => t.to === 'ERROR_LOCK').length, 0);
  await r.executor.stop();
});

test('credentials failing repeatedly at runtime → ERROR_LOCK, orders still cancelled on stop once they work', async (t) => {
  const fake = new FakeExchange();
  const r = run(t, fake);
  await until('WORKING', () => r.executor.state === 'WORKING');
  fake.fail('modifyOrder', auth());
  fake.fail('getAccount', auth());
  fake.bid = '60700.0';
  await until('ERROR_LOCK', () => r.executor.state === 'ERROR_LOCK');
  assert.match(r.executor.errorLockReason!, /repeated authentication failure/);
  await r.executor.stop();
  assert.equal(fake.live().length, 0, 'the stop path still cancels what it placed');
});

test('a 5xx burst across calls is ridden out and ends with exactly one order', async (t) => {
  const fake = new FakeExchange();
  const r = run(t, fake);
  await until('WORKING', () => r.executor.state === 'WORKING');
  fake.fail('*', ...Array.from({ length: 6 }, http503));
  fake.bid = '60800.0';
  fake.ask = '60800.1';
  await until('settled on the new price', () => r.executor.state === 'WORKING' && fake.live()[0]?.price === '60769.6' && (fake.failures.get('*')?.length ?? 0) === 0);
  assert.equal(fake.live().length, 1);
  assert.equal(r.transitions.filter((t) => t.to === 'ERROR_LOCK').length, 0);
  await r.executor.stop();
  assert.equal(fake.live().length, 0);
});

test('a state held too long raises stuck; the executor recovers when REST does', async (t) => {
  const fake = new FakeExchange();
  const r = run(t, fake, { stateTimeouts: { RECONCILING: 40 }, retryBaseMs: 30, retryMaxMs: 30 });
  await until('WORKING', () => r.executor.state === 'WORKING');
  fake.fail('getPendingOrders', ...Array.from({ length: 8 }, http503));
  fake.fail('modifyOrder', http503());
  fake.bid = '60900.0';
  await until('stuck in RECONCILING', () => r.stuck.some((s) => s.state === 'RECONCILING'));
  await until('recovered', () => r.executor.state === 'WORKING' && (fake.failures.get('getPendingOrders')?.length ?? 0) === 0);
  await r.executor.stop();
});

test('aborting the signal stops the executor and cancels its orders', async (t) => {
  const fake = new FakeExchange();
  const controller = new AbortController();
  const r = run(t, fake, { signal: controller.signal });
  await until('WORKING', () => r.executor.state === 'WORKING');
  controller.abort('supervisor says stop');
  await r.done;
  assert.equal(r.executor.state, 'STOPPED');
  assert.equal(fake.live().length, 0);
  assert.match(r.transitions.at(-1)!.reason, /supervisor says stop/);
});
