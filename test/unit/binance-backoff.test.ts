import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectLimiter, backoffDelay, connectWindowWithMargin } from '../../src/exchanges/binance/backoff.ts';

test('backoff: full jitter within [0, min(cap, base·2^(n-1))), growing then capped', () => {
  const top = () => 0.999999;
  assert.equal(backoffDelay(1, 100, 10_000, () => 0), 0);
  assert.equal(backoffDelay(0, 100, 10_000, top), 0);
  assert.equal(backoffDelay(1, 100, 10_000, top), 99);
  assert.equal(backoffDelay(2, 100, 10_000, top), 199);
  assert.equal(backoffDelay(4, 100, 10_000, top), 799);
  assert.equal(backoffDelay(20, 100, 10_000, top), 9999);
  assert.equal(backoffDelay(5000, 100, 10_000, top), 9999, 'huge attempt counts do not overflow to NaN/Infinity');
  // Jitter really spreads: 200 draws with Math.random cover the range, not one value.
  const draws = Array.from({ length: 200 }, () => backoffDelay(3, 100, 10_000));
  assert.ok(draws.every((d) => d >= 0 && d < 400));
  assert.ok(new Set(draws).size > 50);
});

test('connect limiter: never more than N attempts in any sliding window, even when hammered', () => {
  let now = 0;
  const limiter = new ConnectLimiter(300, 300_000, () => now);
  const times: number[] = [];
  // A client retrying every 7 ms for 20 minutes (bounded loop of ~171k steps).
  for (now = 0; now < 20 * 60_000; now += 7) {
    if (limiter.tryTake()) times.push(now);
  }
  let worst = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 300_000) j++;
    worst = Math.max(worst, i - j + 1);
  }
  assert.equal(worst, 300, 'uses the budget fully but never exceeds it');
  assert.ok(times.length >= 4 * 300 - 1 && times.length <= 4 * 300, `4 windows' worth, got ${times.length}`);
});

test('connect limiter: waitMs says exactly when the oldest attempt ages out', () => {
  let now = 1_000;
  const limiter = new ConnectLimiter(3, 1_000, () => now);
  assert.equal(limiter.waitMs(), 0);
  assert.ok(limiter.tryTake());
  now = 1_100;
  assert.ok(limiter.tryTake());
  now = 1_200;
  assert.ok(limiter.tryTake());
  assert.equal(limiter.tryTake(), false);
  assert.equal(limiter.waitMs(), 800);
  assert.equal(limiter.inWindow(), 3);
  now = 2_000;
  assert.equal(limiter.waitMs(), 0);
  assert.ok(limiter.tryTake());
  assert.equal(limiter.waitMs(), 100);
  assert.throws(() => new ConnectLimiter(0, 1000));
});

test('connect window margin: 1 % of the venue window, at least 250 ms, at most 5 s', () => {
  assert.equal(connectWindowWithMargin(300_000), 303_000);
  assert.equal(connectWindowWithMargin(3_000), 3_250);
  assert.equal(connectWindowWithMargin(3_600_000), 3_605_000);
});
