import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clearLongTimer, MAX_DURATION_MS, MAX_TIMER_CHUNK_MS, setLongInterval, setLongTimeout, unrefLongTimer } from '../../src/shared/timers.ts';
import { parseDuration, parseSize, parseByteRate } from '../../src/shared/units.ts';

const DAY = 86_400_000;

test('#18.1 timers overflow: a 30-day timeout fires after 30 days, not after 1 ms', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 0 });
  let fired = 0;
  const timer = setLongTimeout(() => fired++, 30 * DAY);
  t.mock.timers.tick(1);
  assert.equal(fired, 0, 'not after 1 ms');
  t.mock.timers.tick(MAX_TIMER_CHUNK_MS);
  assert.equal(fired, 0, 'not after one chunk (24.8 days)');
  t.mock.timers.tick(30 * DAY - MAX_TIMER_CHUNK_MS - 2);
  assert.equal(fired, 0, 'not 1 ms early');
  t.mock.timers.tick(1);
  assert.equal(fired, 1, 'on time');
  t.mock.timers.tick(400 * DAY);
  assert.equal(fired, 1, 'once');
  clearLongTimer(timer);
});

test('#18.1 timers overflow: 365 days, cleared in the middle, never fires', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 0 });
  let fired = 0;
  const timer = setLongTimeout(() => fired++, MAX_DURATION_MS);
  t.mock.timers.tick(200 * DAY);
  clearLongTimer(timer);
  t.mock.timers.tick(200 * DAY);
  assert.equal(fired, 0);
  clearLongTimer(timer); // twice is fine
  clearLongTimer(undefined);
});

test('#18.1 timers overflow: a 1000 h interval ticks every 1000 h, not every millisecond', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 0 });
  let ticks = 0;
  const hours = 3_600_000;
  const timer = setLongInterval(() => ticks++, 1000 * hours);
  t.mock.timers.tick(1000);
  assert.equal(ticks, 0);
  t.mock.timers.tick(1000 * hours - 1000);
  assert.equal(ticks, 1);
  t.mock.timers.tick(1000 * hours);
  assert.equal(ticks, 2);
  clearLongTimer(timer);
  t.mock.timers.tick(5000 * hours);
  assert.equal(ticks, 2, 'cleared between chunks');
});

test('#18.1 timers overflow: short intervals stay plain intervals', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 0 });
  let ticks = 0;
  const timer = setLongInterval(() => ticks++, 250);
  t.mock.timers.tick(1000);
  assert.equal(ticks, 4);
  clearLongTimer(timer);
  t.mock.timers.tick(1000);
  assert.equal(ticks, 4);
});

test('#18.1 timers overflow: chunks re-arm with real timers (small chunk)', async () => {
  const started = Date.now();
  await new Promise<void>((resolve) => setLongTimeout(resolve, 120, { chunkMs: 25 }));
  assert.ok(Date.now() - started >= 119, `fired after ${Date.now() - started} ms`);
  let ticks = 0;
  const started2 = Date.now();
  await new Promise<void>((resolve) => {
    const timer = setLongInterval(() => {
      if (++ticks === 3) {
        clearLongTimer(timer);
        resolve();
      }
    }, 40, { chunkMs: 15 });
  });
  assert.ok(Date.now() - started2 >= 119, `three 40 ms periods took ${Date.now() - started2} ms`);
  // unref: a pending long timer does not keep the loop alive (nothing to assert beyond no throw)
  clearLongTimer(unrefLongTimer(setLongTimeout(() => assert.fail('cleared'), 10 * DAY)));
});

test('#18.1 timers overflow: durations above 365 days are refused, 365 days accepted', () => {
  assert.equal(parseDuration('365d'), MAX_DURATION_MS);
  assert.equal(parseDuration('1000h'), 1000 * 3_600_000);
  assert.throws(() => parseDuration('366d'), /at most 365d/);
  assert.throws(() => parseDuration('9'.repeat(400) + 's'), /at most 365d/);
  assert.throws(() => parseDuration(Number.MAX_VALUE), /at most 365d/);
  assert.throws(() => setLongTimeout(() => {}, Number.NaN), /finite/);
});

test('#18.9 sizes with 400 digits are refused, not Infinity', () => {
  assert.throws(() => parseSize('9'.repeat(400) + 'GB'), /size/);
  assert.throws(() => parseByteRate('9'.repeat(400) + 'GB/ms'), /size/);
  assert.throws(() => parseByteRate('100GB/ms'), /at most 1GB\/s/);
  assert.throws(() => parseDuration(['2s', '3s'] as unknown as string), /one duration/);
  assert.equal(parseByteRate('1MB/s'), 1024 ** 2);
});
