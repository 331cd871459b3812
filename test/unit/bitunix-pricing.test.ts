import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entryPrice, entryTicks, fromTicks, movedByATick, toTicks } from '../../src/exchanges/bitunix/executor/pricing.ts';

const BTC = { precision: 1 }; // BTCUSDT quotePrecision 1 → tick 0.1

test('BUY rests offset below the bid, rounded down to the tick', () => {
  // 60000 * (1 - 0.0005) = 59970 exactly
  assert.equal(entryPrice('BUY', { bid: '60000.0', ask: '60000.1' }, 0.0005, BTC), '59970.0');
  // 60123.4 * 0.9995 = 60093.33830 → down to 60093.3
  assert.equal(entryPrice('BUY', { bid: '60123.4', ask: '60123.5' }, 0.0005, BTC), '60093.3');
});

test('SELL rests offset above the ask, rounded up to the tick', () => {
  // 60123.5 * 1.0005 = 60153.56175 → up to 60153.6
  assert.equal(entryPrice('SELL', { bid: '60123.4', ask: '60123.5' }, 0.0005, BTC), '60153.6');
  assert.equal(entryPrice('SELL', { bid: '59999.9', ask: '60000.0' }, 0.0005, BTC), '60030.0');
});

test('float noise does not move an exact result by a tick', () => {
  // 0.3 / 0.1 style noise: 3 * 0.1 etc. Exact products must stay exact.
  assert.equal(entryTicks('BUY', { bid: '0.3' }, 0, { precision: 1 }), 3);
  assert.equal(entryTicks('BUY', { bid: '1.15' }, 0, { precision: 2 }), 115);
  assert.equal(entryTicks('SELL', { ask: '1.15' }, 0, { precision: 2 }), 115);
  assert.equal(entryPrice('BUY', { bid: '20000.0' }, 0.0005, BTC), '19990.0');
});

test('never crosses: a BUY stays at least a tick under the ask, a SELL a tick over the bid', () => {
  // offset 0 and a locked/crossed book
  assert.equal(entryPrice('BUY', { bid: '100.0', ask: '100.0' }, 0, BTC), '99.9');
  assert.equal(entryPrice('SELL', { bid: '100.0', ask: '100.0' }, 0, BTC), '100.1');
});

test('falls back to the last price, and gives nothing without any price', () => {
  assert.equal(entryPrice('BUY', { last: '60000' }, 0.0005, BTC), '59970.0');
  assert.equal(entryPrice('SELL', { last: '60000' }, 0.001, BTC), '60060.0');
  assert.equal(entryPrice('BUY', {}, 0.0005, BTC), undefined);
  assert.equal(entryPrice('BUY', { bid: '0' }, 0.0005, BTC), undefined);
});

test('ticks ↔ strings at several precisions', () => {
  assert.equal(fromTicks(599700, BTC), '59970.0');
  assert.equal(fromTicks(5, { precision: 4 }), '0.0005');
  assert.equal(fromTicks(12345, { precision: 0 }), '12345');
  assert.equal(fromTicks(100, { precision: 2 }), '1.00');
  assert.equal(toTicks('0.0005', { precision: 4 }), 5);
  assert.equal(toTicks('59970', BTC), 599700);
  assert.throws(() => toTicks('abc', BTC), RangeError);
  assert.throws(() => fromTicks(1.5, BTC), RangeError);
});

test('a move counts from one whole tick', () => {
  assert.equal(movedByATick('59970.0', 599700, BTC), false);
  assert.equal(movedByATick('59970.0', 599701, BTC), true);
  assert.equal(movedByATick('59970.04', 599700, BTC), false); // sub-tick noise from a loose echo
});
