import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BitunixApiError, BitunixError } from '../../src/exchanges/bitunix/errors.ts';
import {
  asList,
  parseAccount,
  parseBookTop,
  parseCancelResult,
  parseOrder,
  parseOrderEvent,
  parseOrders,
  parsePositionMode,
  parseSide,
  parseTime,
  parseTradingPair,
  readEnvelope,
} from '../../src/exchanges/bitunix/parse.ts';
import { isLiveStatus } from '../../src/exchanges/bitunix/types.ts';

test('envelope: code 0 in its documented and live spellings', () => {
  assert.deepEqual(readEnvelope('x', '{"code":0,"data":{"a":1},"msg":"Success"}'), { code: 0, msg: 'Success', data: { a: 1 } });
  assert.equal(readEnvelope('x', '{"code":"0","data":[],"msg":"result.success"}').code, 0);
  assert.equal(readEnvelope('x', '{"code":0,"data":null,"message":"ok"}').msg, 'ok');
  assert.equal(readEnvelope('x', '{"msg":"result.success","data":1}').data, 1);
  assert.equal(readEnvelope('x', '{"success":true,"data":2}').data, 2);
});

test('envelope: non-zero codes become typed errors with the right kind', () => {
  const cases: Array<[number, string]> = [
    [10007, 'auth'],
    [10003, 'auth'],
    [10004, 'auth'],
    [10005, 'rate_limit'],
    [10006, 'rate_limit'],
    [20007, 'reject'],
    [20009, 'reject'],
    [30042, 'reject'],
    [10001, 'http5xx'],
  ];
  for (const [code, kind] of cases) {
    assert.throws(
      () => readEnvelope('trade/place_order', JSON.stringify({ code, msg: `m${code}`, data: null })),
      (err: unknown) => {
        assert.ok(err instanceof BitunixApiError);
        assert.equal(err.code, code);
        assert.equal(err.kind, kind);
        assert.equal(err.endpoint, 'trade/place_order');
        assert.match(err.message, new RegExp(`code ${code}`));
        return true;
      },
    );
  }
  // `message` instead of `msg` on errors too
  assert.throws(() => readEnvelope('x', '{"code":10007,"message":"Sign signature error"}'), /Sign signature error/);
});

test('envelope: garbage is a parse error, flagged ambiguous', () => {
  for (const text of ['<html>502</html>', '', '[1,2]', '{"data":1}']) {
    assert.throws(
      () => readEnvelope('x', text),
      (err: unknown) => err instanceof BitunixError && err.kind === 'parse' && err.ambiguous,
    );
  }
});

test('data as a list, an object, or wrapped in orderList', () => {
  const order = { orderId: '1', price: '10', qty: '1', side: 'BUY' };
  assert.equal(parseOrders([order]).length, 1);
  assert.equal(parseOrders({ orderList: [order, { ...order, orderId: '2' }], total: 2 }).length, 2);
  assert.equal(parseOrders(order).length, 1);
  assert.equal(parseOrders({ orderList: null, total: 0 }).length, 0);
  assert.equal(parseOrders(null).length, 0);
  assert.deepEqual(asList(undefined), []);
});

test('orders: sides, statuses, types and times are normalised', () => {
  const order = parseOrder({
    orderId: 123,
    clientId: 'c1',
    side: 'Buy',
    type: 'Limit',
    orderStatus: 'new',
    price: 60000.5,
    qty: '0.001',
    ctime: '2025-05-13T02:51:51.262Z',
    mtime: 1747104711262,
    positionMode: 'hedge',
    reductionOnly: 'false',
  });
  assert.deepEqual(order, {
    orderId: '123',
    clientId: 'c1',
    side: 'BUY',
    orderType: 'LIMIT',
    status: 'NEW',
    price: '60000.5',
    qty: '0.001',
    ctime: Date.parse('2025-05-13T02:51:51.262Z'),
    mtime: 1747104711262,
    positionMode: 'HEDGE',
    reduceOnly: false,
  });
  assert.equal(parseOrderEvent({ orderId: '1', event: 'close', orderStatus: 'CANCELED' })?.event, 'CLOSE');
  assert.equal(parseOrder({ price: '1' }), undefined, 'no id, no order');
  assert.equal(parseSide('Sell'), 'SELL');
  assert.equal(parseSide('nonsense'), undefined);
  assert.equal(parseTime(1747104711), 1747104711000, 'seconds become ms');
  assert.equal(parseTime('1747104711262'), 1747104711262);
});

test('statuses: live vs finished, unknown counts as live (safer to cancel than to forget)', () => {
  for (const s of ['INIT', 'NEW', 'NEW_', 'PART_FILLED', undefined, 'SOMETHING_NEW']) assert.ok(isLiveStatus(s), String(s));
  for (const s of ['CANCELED', 'FILLED', 'PART_FILLED_CANCELED', 'EXPIRED', 'SYSTEM_CANCELED']) assert.ok(!isLiveStatus(s), s);
});

test('account, position mode and trading pairs in list or object form', () => {
  assert.equal(parseAccount([{ marginCoin: 'USDT', positionMode: 'ONE_WAY' }])?.positionMode, 'ONE_WAY');
  assert.equal(parseAccount({ marginCoin: 'USDT', positionMode: 'HEDGE' })?.positionMode, 'HEDGE');
  assert.equal(parsePositionMode([{ positionMode: 'HEDGE' }]), 'HEDGE');
  assert.equal(parsePositionMode({ positionMode: 'ONE_WAY' }), 'ONE_WAY');
  const pair = parseTradingPair({ symbol: 'BTCUSDT', basePrecision: 4, quotePrecision: 1, minTradeVolume: '0.0001' });
  assert.deepEqual(pair, { symbol: 'BTCUSDT', basePrecision: 4, quotePrecision: 1, minTradeVolume: '0.0001' });
  assert.equal(parseTradingPair({ symbol: 'X', quotePrecision: '2' })?.quotePrecision, 2);
});

test('book top from REST depth (numbers) and WS depth_book1 (strings)', () => {
  assert.deepEqual(parseBookTop({ asks: [[0.1001, 0.1]], bids: [[0.1, 1]] }, 5), { bid: '0.1', ask: '0.1001', ts: 5 });
  assert.deepEqual(parseBookTop({ b: [['7403.89', '0.002']], a: [['7405.96', '3.340']] }, 5), { bid: '7403.89', ask: '7405.96', ts: 5 });
  assert.deepEqual(parseBookTop({ bids: [{ price: '1', volume: '2' }], asks: [] }, 7), { bid: '1', ts: 7 });
  assert.equal(parseBookTop({ bids: [], asks: [] }, 1), undefined);
});

test('cancel result: documented `id` and example `orderId`, string or numeric error codes', () => {
  const result = parseCancelResult({
    successList: [{ orderId: '11111', clientId: '22222' }, { id: '3' }],
    failureList: [{ orderId: '11112', clientId: '22223', errorMsg: 'Order status error', errorCode: '10013' }],
  });
  assert.deepEqual(result, {
    successList: [{ orderId: '11111', clientId: '22222' }, { orderId: '3' }],
    failureList: [{ orderId: '11112', clientId: '22223', errorCode: 10013, errorMsg: 'Order status error' }],
  });
  assert.deepEqual(parseCancelResult(null), { successList: [], failureList: [] });
});
