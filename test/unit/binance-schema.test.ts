import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bisectVariants, kind } from '../../src/probes/binance.ts';
import { optionsSchema } from '../../src/probes/validation/binance.ts';

test('binance probe options: defaults', () => {
  assert.equal(kind, 'binance');
  const o = optionsSchema.parse({});
  assert.deepEqual(o.symbols, ['BTCUSDT', 'ETHUSDT', 'BNBUSDT']);
  assert.deepEqual(o.streams, ['trade']);
  assert.equal(o.market, 'spot');
  assert.equal(o.subscribeVia, 'url');
  assert.equal(o.reconnectDelay, 5_000);
  assert.equal(o.maxReconnectAttempts, Infinity);
  assert.equal(o.silenceTimeout, 60_000);
  assert.equal(o.maxConnectionAge, 23 * 3_600_000 + 50 * 60_000);
  assert.equal(o.maxConnectAttempts, 300);
  assert.equal(o.connectWindow, 300_000);
  assert.deepEqual(o.depth, { orderBook: true, minSnapshotInterval: 1_000 });
});

test('binance probe options: durations and "unlimited" parse, and a parsed block parses to itself', () => {
  const o = optionsSchema.parse({
    market: 'usdm',
    symbols: ['BTCUSDT'],
    streams: ['aggTrade', 'bookTicker', 'depth@100ms', 'kline_1m', 'markPrice@1s'],
    subscribeVia: 'frames',
    reconnectDelay: '250ms',
    maxReconnectDelay: '1m',
    maxReconnectAttempts: 'unlimited',
    silenceTimeout: 'off',
    maxConnectionAge: '2s',
    depth: { snapshotLimit: 1000, minSnapshotInterval: '5s' },
  });
  assert.equal(o.reconnectDelay, 250);
  assert.equal(o.maxReconnectDelay, 60_000);
  assert.equal(o.silenceTimeout, 0);
  assert.equal(o.maxConnectionAge, 2_000);
  assert.equal(o.depth.minSnapshotInterval, 5_000);
  // The supervisor sends parsed options through a MessagePort (structured clone) and the worker re-parses.
  assert.deepEqual(optionsSchema.parse(structuredClone(o)), o);
  assert.equal(optionsSchema.parse({ maxReconnectAttempts: 12 }).maxReconnectAttempts, 12);
});

test('binance probe options: strict, with useful errors', () => {
  const bad = (input: unknown) => {
    const r = optionsSchema.safeParse(input);
    assert.equal(r.success, false, JSON.stringify(input));
    return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };
  assert.match(bad({ symbol: 'BTCUSDT' }), /Unrecognized key/);
  assert.match(bad({ streams: ['trades'] }), /streams\.0: expected a stream type/);
  assert.match(bad({ reconnectDelay: 'soon' }), /reconnectDelay: expected a duration/);
  assert.match(bad({ maxReconnectAttempts: -1 }), /maxReconnectAttempts/);
  assert.match(bad({ market: 'coinm' }), /market/);
  assert.match(bad({ symbols: [] }), /symbols/);
  assert.match(bad({ depth: { levels: 5 } }), /Unrecognized key/);
  assert.match(bad({ maxStreamsPerConnection: 2000 }), /maxStreamsPerConnection/);
});

test('binance probe bisect variants: one per stream type, plus books off when diff depth is used', () => {
  // The loader hands bisect the parsed options, defaults filled in.
  const parsed = optionsSchema.parse({ symbols: ['BTCUSDT'], streams: ['trade', 'depth@100ms'], reconnectDelay: '1s' });
  const variants = bisectVariants(parsed);
  assert.deepEqual(
    variants.map((v) => v.label),
    ['streams=trade', 'streams=depth@100ms', 'depth.orderBook=false'],
  );
  assert.deepEqual(variants[0]!.options, { ...parsed, streams: ['trade'] });
  assert.deepEqual(variants[2]!.options.depth, { ...parsed.depth, orderBook: false });
  for (const v of variants) assert.ok(optionsSchema.safeParse(v.options).success, v.label);
  assert.deepEqual(bisectVariants(optionsSchema.parse({})).map((v) => v.label), ['streams=trade']);
});
