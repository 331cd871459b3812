import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidPayload, isValidSnapshot } from '../../src/exchanges/binance/payloads.ts';

// The examples of Binance's spot API docs, as published.
const DOC = {
  trade: { e: 'trade', E: 1672515782136, s: 'BNBBTC', t: 12345, p: '0.001', q: '100', T: 1672515782136, m: true, M: true },
  aggTrade: { e: 'aggTrade', E: 1, s: 'BNBBTC', a: 12345, p: '0.001', q: '100', f: 100, l: 105, T: 1, m: true, M: true },
  bookTicker: { u: 400900217, s: 'BNBUSDT', b: '25.35190000', B: '31.21000000', a: '25.36520000', A: '40.66000000' },
  depth: { e: 'depthUpdate', E: 1, s: 'BNBBTC', U: 157, u: 160, b: [['0.0024', '10']], a: [['0.0026', '100']] },
  depthN: { lastUpdateId: 160, bids: [['0.0024', '10']], asks: [['0.0026', '100']] },
  kline: {
    e: 'kline',
    E: 1,
    s: 'BNBBTC',
    k: { t: 1, T: 2, s: 'BNBBTC', i: '1m', f: 100, L: 200, o: '0.0010', c: '0.0020', h: '0.0025', l: '0.0015', v: '1000', n: 100, x: false, q: '1.0000', V: '500', Q: '0.500', B: '123456' },
  },
  miniTicker: { e: '24hrMiniTicker', E: 1, s: 'BNBBTC', c: '0.0025', o: '0.0010', h: '0.0025', l: '0.0010', v: '10000', q: '18' },
} as const;

test('documented spot payloads pass', () => {
  for (const [kind, payload] of Object.entries(DOC)) {
    assert.equal(isValidPayload(kind as keyof typeof DOC, payload, 'spot'), true, kind);
  }
});

test('futures diff depth needs pu; futures partial depth is shaped like a diff', () => {
  assert.equal(isValidPayload('depth', DOC.depth, 'usdm'), false);
  assert.equal(isValidPayload('depth', { ...DOC.depth, pu: 156, T: 1 }, 'usdm'), true);
  assert.equal(isValidPayload('depthN', { e: 'depthUpdate', E: 1, T: 1, s: 'BTCUSDT', U: 1, u: 2, pu: 0, b: [], a: [] }, 'usdm'), true);
});

test('wrong shapes fail: missing ids, strings for numbers, wrong event type', () => {
  assert.equal(isValidPayload('trade', { ...DOC.trade, t: '12345' }, 'spot'), false);
  assert.equal(isValidPayload('trade', { ...DOC.trade, e: 'aggTrade' }, 'spot'), false);
  assert.equal(isValidPayload('aggTrade', { ...DOC.aggTrade, a: undefined }, 'spot'), false);
  assert.equal(isValidPayload('bookTicker', { ...DOC.bookTicker, u: null }, 'spot'), false);
  assert.equal(isValidPayload('depth', { ...DOC.depth, b: 'x' }, 'spot'), false);
  assert.equal(isValidPayload('kline', { ...DOC.kline, k: null }, 'spot'), false);
  assert.equal(isValidPayload('trade', { ...DOC.trade, E: Number.NaN }, 'spot'), false);
  assert.equal(isValidSnapshot({ lastUpdateId: 1, bids: [], asks: [] }), true);
  assert.equal(isValidSnapshot({ code: -1121, msg: 'Invalid symbol.' }), false);
  assert.equal(isValidSnapshot(null), false);
});
