import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseByteRate, parseDuration, parseSize, formatDuration } from '../../src/shared/units.ts';

test('durations', () => {
  const cases: [string | number, number][] = [
    ['90s', 90_000],
    ['8h', 28_800_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['2m', 120_000],
    ['1d', 86_400_000],
    ['1.5s', 1500],
    [1500, 1500],
    ['1500', 1500],
  ];
  for (const [input, ms] of cases) assert.equal(parseDuration(input), ms, String(input));
  for (const bad of ['', 'abc', '5 parsecs', '-5s', '5s3', 's', '1h-2m']) {
    assert.throws(() => parseDuration(bad), /expected a duration/, bad);
  }
  assert.throws(() => parseDuration(-1), /non-negative/);
});

test('sizes and rates', () => {
  assert.equal(parseSize('50MB'), 50 * 1024 * 1024);
  assert.equal(parseSize('512kb'), 512 * 1024);
  assert.equal(parseSize('1GiB'), 1024 ** 3);
  assert.equal(parseSize(100), 100);
  for (const bad of ['MB', '5 XB', '-1MB', 'ten']) assert.throws(() => parseSize(bad), /expected a size/, bad);
  assert.equal(parseByteRate('200KB/min'), (200 * 1024) / 60);
  assert.equal(parseByteRate('1MB/s'), 1024 * 1024);
  assert.equal(parseByteRate('1MB/10s'), (1024 * 1024) / 10);
  for (const bad of ['1MB', '1MB/', '/s', '1MB/parsec', 'a/b/c']) assert.throws(() => parseByteRate(bad), /expected/, bad);
});

test('formatDuration', () => {
  assert.equal(formatDuration(5_000), '5s');
  assert.equal(formatDuration(125_000), '2m05s');
  assert.equal(formatDuration(3_600_000 * 24), '24h00m');
});
