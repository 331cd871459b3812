// #17 item 9: `backoff: fixed | exponential`; the seed's fixed reconnect_delay=5 is reachable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconnectDelay } from '../../src/exchanges/binance/backoff.ts';
import { optionsSchema } from '../../src/probes/validation/binance.ts';
import { loadScenarios } from '../../src/scenario/load.ts';

test('item 9: fixed is the same delay every attempt; exponential grows with full jitter under the cap', () => {
  for (let attempt = 1; attempt <= 20; attempt++) assert.equal(reconnectDelay('fixed', attempt, 5_000, 60_000, () => 0.99), 5_000);
  assert.equal(reconnectDelay('fixed', 0, 5_000, 60_000), 0, 'a first connect does not wait');
  const top = (attempt: number) => reconnectDelay('exponential', attempt, 5_000, 60_000, () => 0.999999);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(top), [4_999, 9_999, 19_999, 39_999, 59_999, 59_999]);
  assert.equal(reconnectDelay('exponential', 3, 5_000, 60_000, () => 0), 0);
});

test('item 9: the option parses, defaults to exponential and names the choices on a typo', () => {
  assert.equal(optionsSchema.parse({}).backoff, 'exponential');
  const seed = optionsSchema.parse({ backoff: 'fixed', reconnectDelay: '5s' });
  assert.equal(seed.backoff, 'fixed');
  assert.equal(seed.reconnectDelay, 5_000);
  const bad = optionsSchema.safeParse({ backoff: 'linear' });
  assert.equal(bad.success, false);
  assert.match(JSON.stringify(bad.error!.issues), /fixed.*exponential/);
});

test('item 9: the ready 24 h and 1 h scenarios say which backoff they use', () => {
  for (const file of ['scenarios/binance-24h.yaml', 'scenarios/binance-1h.yaml']) {
    const loaded = loadScenarios([file]);
    const probe = loaded.probes.find((p) => p.kind === 'binance')!;
    assert.equal((probe.options as { backoff: string }).backoff, 'exponential', file);
  }
});
