// #17 item 10: the USD-M route table is data in one place per side (client, simulator), follows
// the maintained reference (ccxt: trade → /public), and both sides agree on every stream kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeOf } from '../../src/exchanges/binance/streams.ts';
import { USDM_ROUTES } from '../../src/exchanges/binance/routes.ts';
import { parseStream } from '../../src/sim/binance/streams.ts';

const NAMES = [
  'btcusdt@trade',
  'btcusdt@aggTrade',
  'btcusdt@bookTicker',
  'btcusdt@depth',
  'btcusdt@depth@100ms',
  'btcusdt@depth5',
  'btcusdt@depth20@100ms',
  'btcusdt@kline_1m',
  'btcusdt@miniTicker',
  'btcusdt@ticker',
  'btcusdt@markPrice',
  'btcusdt@markPrice@1s',
  '!bookTicker',
  '!miniTicker@arr',
];

test('item 10: USD-M trade is routed to /public (ccxt), aggTrade to /market', () => {
  assert.equal(routeOf('btcusdt@trade', 'usdm'), 'public');
  assert.equal(routeOf('btcusdt@aggTrade', 'usdm'), 'market');
  assert.equal(routeOf('btcusdt@trade', 'spot'), 'spot');
  assert.equal(USDM_ROUTES.trade, 'public');
});

test('item 10: client and simulator route every USD-M stream the same way', () => {
  for (const name of NAMES) {
    const spec = parseStream(name, 'usdm');
    assert.ok(spec, `simulator parses ${name}`);
    assert.equal(routeOf(name, 'usdm'), spec.cls, name);
  }
});
