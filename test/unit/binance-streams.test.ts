import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isKnownStreamType,
  routeOf,
  streamKind,
  streamName,
  streamNames,
  streamSymbol,
  streamType,
} from '../../src/exchanges/binance/streams.ts';
import { DEFAULT_ENDPOINTS, combinedStreamUrl, depthSnapshotUrl } from '../../src/exchanges/binance/urls.ts';

test('stream names: lowercase symbol, type kept as written, symbols × types without repeats', () => {
  assert.equal(streamName('BTCUSDT', 'aggTrade'), 'btcusdt@aggTrade');
  assert.deepEqual(streamNames(['BTCUSDT', 'ethusdt', 'BTCUSDT'], ['trade', 'depth@100ms']), [
    'btcusdt@trade',
    'btcusdt@depth@100ms',
    'ethusdt@trade',
    'ethusdt@depth@100ms',
  ]);
  assert.equal(streamType('btcusdt@depth10@100ms'), 'depth10@100ms');
  assert.equal(streamSymbol('btcusdt@depth10@100ms'), 'btcusdt');
});

test('stream kinds cover the documented types and reject near misses', () => {
  const cases: [string, string][] = [
    ['btcusdt@trade', 'trade'],
    ['btcusdt@aggTrade', 'aggTrade'],
    ['btcusdt@bookTicker', 'bookTicker'],
    ['btcusdt@depth', 'depth'],
    ['btcusdt@depth@100ms', 'depth'],
    ['btcusdt@depth@1000ms', 'depth'],
    ['btcusdt@depth5', 'depthN'],
    ['btcusdt@depth20@100ms', 'depthN'],
    ['btcusdt@kline_1m', 'kline'],
    ['btcusdt@kline_1M', 'kline'],
    ['btcusdt@miniTicker', 'miniTicker'],
    ['btcusdt@ticker', 'ticker'],
    ['btcusdt@ticker_1h', 'ticker'],
    ['btcusdt@markPrice@1s', 'markPrice'],
    ['!miniTicker@arr', 'other'],
    ['btcusdt@depth7', 'other'],
    ['btcusdt@kline_2m', 'other'],
    ['btcusdt@Trade', 'other'],
  ];
  for (const [name, kind] of cases) assert.equal(streamKind(name), kind, name);
  assert.equal(isKnownStreamType('depth10@100ms'), true);
  assert.equal(isKnownStreamType('tradee'), false);
});

test('USD-M routes book data to /public and everything else to /market; spot has one route', () => {
  assert.equal(routeOf('btcusdt@bookTicker', 'usdm'), 'public');
  assert.equal(routeOf('btcusdt@depth@100ms', 'usdm'), 'public');
  assert.equal(routeOf('btcusdt@depth5', 'usdm'), 'public');
  assert.equal(routeOf('btcusdt@aggTrade', 'usdm'), 'market');
  assert.equal(routeOf('btcusdt@kline_1m', 'usdm'), 'market');
  assert.equal(routeOf('btcusdt@markPrice', 'usdm'), 'market');
  assert.equal(routeOf('btcusdt@miniTicker', 'usdm'), 'market');
  assert.equal(routeOf('btcusdt@depth', 'spot'), 'spot');
  assert.equal(routeOf('btcusdt@aggTrade', 'spot'), 'spot');
});

test('combined-stream URLs per route, with and without streams in the query', () => {
  assert.equal(
    combinedStreamUrl(DEFAULT_ENDPOINTS.spot.ws, 'spot', ['btcusdt@trade', 'ethusdt@trade']),
    'wss://stream.binance.com:9443/stream?streams=btcusdt@trade/ethusdt@trade',
  );
  assert.equal(combinedStreamUrl('ws://127.0.0.1:9/', 'spot'), 'ws://127.0.0.1:9/stream');
  assert.equal(combinedStreamUrl(DEFAULT_ENDPOINTS.usdm.ws, 'public', ['btcusdt@depth']), 'wss://fstream.binance.com/public/stream?streams=btcusdt@depth');
  assert.equal(combinedStreamUrl(DEFAULT_ENDPOINTS.usdm.ws, 'market'), 'wss://fstream.binance.com/market/stream');
});

test('depth snapshot URLs per market', () => {
  assert.equal(depthSnapshotUrl('https://api.binance.com', 'spot', 'btcusdt', 5000), 'https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=5000');
  assert.equal(depthSnapshotUrl('https://fapi.binance.com/', 'usdm', 'BTCUSDT', 1000), 'https://fapi.binance.com/fapi/v1/depth?symbol=BTCUSDT&limit=1000');
});
