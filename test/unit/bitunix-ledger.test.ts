// The executor's order ledger and push reading on their own (bitunix-executor.test.ts drives the
// whole executor against a fake REST).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OrderLedger, settlePrice } from '../../src/exchanges/bitunix/executor/ledger.ts';
import { EarlyPushes, readOrderPush, type PushContext } from '../../src/exchanges/bitunix/executor/pushes.ts';
import type { OrderEvent } from '../../src/exchanges/bitunix/types.ts';

test('adopt tracks an unknown order once, with our qty and price 0 when the exchange omits them', () => {
  const ledger = new OrderLedger('xsABCDEF', '0.001');
  const first = ledger.adopt({ orderId: '1', clientId: 'xsABCDEF0001', price: undefined, qty: undefined });
  assert.deepEqual(first, { orderId: '1', clientId: 'xsABCDEF0001', price: '0', qty: '0.001' });
  assert.equal(ledger.adopt({ orderId: '1', clientId: 'xsABCDEF0001', price: '5', qty: '2' }), undefined, 'already tracked: not adopted again');
  assert.equal(ledger.get('1')?.price, '0', 'the tracked entry is not overwritten');
  assert.deepEqual(ledger.adopt({ orderId: '2', clientId: undefined, price: '7.5', qty: '0.002' }), { orderId: '2', clientId: undefined, price: '7.5', qty: '0.002' });
  assert.deepEqual(ledger.ids(), ['1', '2']);
  assert.equal(ledger.current, undefined, 'adopting never makes an order the working one');
});

test('ours: tracked ids or our clientId prefix; close clientIds are not entry clientIds', () => {
  const ledger = new OrderLedger('xsABCDEF', '1');
  const entry = ledger.nextClientId();
  assert.equal(entry, 'xsABCDEF0001');
  assert.ok(ledger.isOurs({ orderId: '9', clientId: entry }));
  assert.ok(!ledger.isOurs({ orderId: '9', clientId: 'other' }));
  ledger.adopt({ orderId: '9', clientId: undefined });
  assert.ok(ledger.isOurs({ orderId: '9', clientId: undefined }));
  const close = ledger.nextCloseClientId();
  assert.equal(close, 'cxsABCDEF1');
  assert.ok(!ledger.isOurClientId(close));
  assert.ok(ledger.placedAny);
});

test('work, drop and findByClientId keep current in step with the ledger', () => {
  const ledger = new OrderLedger('xs', '1');
  ledger.work({ orderId: 'a', clientId: 'xs1', price: '1', qty: '1' });
  assert.equal(ledger.current?.orderId, 'a');
  assert.equal(ledger.findByClientId('xs1')?.orderId, 'a');
  assert.equal(ledger.findByClientId(undefined), undefined);
  ledger.drop('a');
  assert.equal(ledger.current, undefined);
  assert.equal(ledger.size, 0);
});

test('settlePrice clears a pending modify', () => {
  const order = { orderId: 'a', clientId: undefined, price: '1', qty: '1', pendingPrice: '2', modifiedAt: 5 };
  settlePrice(order, '2');
  assert.deepEqual(order, { orderId: 'a', clientId: undefined, price: '2', qty: '1', pendingPrice: undefined, modifiedAt: undefined });
});

const grid = { precision: 1 };
const push = (p: Partial<OrderEvent>): OrderEvent => ({ orderId: 'a', status: 'NEW', ...p }) as OrderEvent;
const ctx = (c: Partial<PushContext>): PushContext => ({ tracked: undefined, ours: false, placing: false, modifying: false, grid, ...c });

test('pushes for orders we do not track: kept while placing, a doubt when live and ours, else ignored', () => {
  assert.deepEqual(readOrderPush(push({}), ctx({})), {});
  assert.deepEqual(readOrderPush(push({ status: 'CANCELED' }), ctx({ ours: true, placing: true })), { keep: true });
  assert.match(readOrderPush(push({}), ctx({ ours: true })).doubt ?? '', /do not track/);
  assert.deepEqual(readOrderPush(push({ status: 'FILLED' }), ctx({ ours: true })), {});
});

test('pushes for a tracked order: confirm a pending modify, doubt a closed or disagreeing order, not mid-modify', () => {
  const tracked = { orderId: 'a', clientId: undefined, price: '100.0', qty: '1' };
  assert.match(readOrderPush(push({ status: 'CANCELED' }), ctx({ tracked })).doubt ?? '', /CANCELED by the exchange/);
  assert.match(readOrderPush(push({ event: 'CLOSE' }), ctx({ tracked })).doubt ?? '', /by the exchange/);
  assert.deepEqual(readOrderPush(push({ price: '100.00' }), ctx({ tracked })), {}, 'same tick: nothing to say');
  assert.deepEqual(readOrderPush(push({ price: '99.9' }), ctx({ tracked: { ...tracked, pendingPrice: '99.9' } })), { confirmed: true });
  assert.match(readOrderPush(push({ price: '99.0' }), ctx({ tracked })).doubt ?? '', /expected 100\.0/);
  assert.deepEqual(readOrderPush(push({ price: '99.0' }), ctx({ tracked, modifying: true })), {});
  const part = readOrderPush(push({ status: 'PART_FILLED', tradeQty: '0.5', price: '99.0' }), ctx({ tracked }));
  assert.match(part.doubt ?? '', /partly filled \(0\.5\)/, 'the first doubt wins');
});

test('early pushes are bounded: the oldest goes first', () => {
  const early = new EarlyPushes();
  for (let i = 0; i < 40; i++) early.keep(push({ orderId: String(i) }));
  assert.equal(early.take('0'), undefined);
  assert.equal(early.take('39')?.orderId, '39');
  assert.equal(early.take('39'), undefined, 'taken once');
});
