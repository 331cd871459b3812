import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bisectVariants, counters, gauges, kind, simulator } from '../../src/probes/bitunix.ts';
import { optionsSchema } from '../../src/probes/validation/bitunix.ts';
import { EXECUTOR_STATES } from '../../src/exchanges/bitunix/executor/state-machine.ts';
import { EventLimiter } from '../../workers/lib/event-limiter.ts';

test('bitunix options: defaults for an empty block', () => {
  assert.equal(kind, 'bitunix');
  assert.equal(simulator, 'bitunix');
  const o = optionsSchema.parse({});
  assert.equal(o.symbol, 'BTCUSDT');
  assert.equal(o.side, 'BUY');
  assert.equal(o.qty, '0.0001');
  assert.equal(o.offset, 0.0005);
  assert.equal(o.tick, 5000);
  assert.ok(o.wsPingInterval <= 10_000, 'JSON pings at most every 10 s');
  assert.equal(o.requestTimeout, 5000);
  assert.deepEqual(o.stateTimeouts, {});
  assert.equal(o.setPositionMode, true);
});

test('bitunix options: durations and units parse, and parsing is idempotent', () => {
  const o = optionsSchema.parse({ tick: '150ms', side: 'sell', qty: 0.001, wsPingInterval: '2s', stateTimeouts: { RECONCILING: '20s' }, requestTimeout: 750 });
  assert.equal(o.tick, 150);
  assert.equal(o.side, 'SELL');
  assert.equal(o.qty, '0.001');
  assert.equal(o.wsPingInterval, 2000);
  assert.deepEqual(o.stateTimeouts, { RECONCILING: 20_000 });
  assert.equal(o.requestTimeout, 750);
  assert.deepEqual(optionsSchema.parse(o), o, 'the worker may re-parse what the supervisor parsed');
});

test('bitunix options: strict, and wrong values say what was expected', () => {
  assert.throws(() => optionsSchema.parse({ tik: '5s' }), /unrecognized/i);
  assert.throws(() => optionsSchema.parse({ tick: 'soon' }), /duration/);
  assert.throws(() => optionsSchema.parse({ qty: '-1' }), /positive decimal/);
  assert.throws(() => optionsSchema.parse({ side: 'LONG' }));
  assert.throws(() => optionsSchema.parse({ offset: 2 }));
  assert.throws(() => optionsSchema.parse({ symbol: 'btc-usdt' }), /upper-case/);
  assert.throws(() => optionsSchema.parse({ stateTimeouts: { NOPE: '1s' } }));
});

test('error-event budget: at most N a second, the next allowed one says how many were dropped', () => {
  const b = new EventLimiter(2);
  assert.equal(b.take('error', 1000), 0);
  assert.equal(b.take('error', 1100), 0);
  assert.equal(b.take('error', 1200), undefined);
  assert.equal(b.take('other', 1250), 0, 'each key has its own budget');
  assert.equal(b.take('error', 1300), undefined);
  assert.equal(b.take('error', 2000), 2);
  assert.equal(b.take('error', 2001), 0);
});

test('bitunix kind: declared counters/gauges cover the contract names; bisect variants validate', () => {
  for (const name of ['requests', 'errors', 'orders.placed', 'orders.modified', 'orders.cancelled', 'ws_reconnects', 'state.error_lock', 'stuck', 'transitions']) {
    assert.ok((counters as readonly string[]).includes(name), name);
  }
  assert.ok(counters.includes('errors.*') && counters.includes('state_ms.*'));
  assert.deepEqual([...gauges].sort(), ['error_rate', 'latency_ms.p50', 'latency_ms.p99', 'state']);
  assert.equal(EXECUTOR_STATES.indexOf('STOPPED'), 9);
  const variants = bisectVariants({ tick: '1s' });
  assert.deepEqual(variants.map((v) => v.label), ['rest-only', 'publicStream-only', 'privateStream-only']);
  for (const v of variants) optionsSchema.parse(v.options);
});
