import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripControl } from '../../src/shared/text.ts';
import { niceTicks } from '../../src/results/svg-chart.ts';

test('#18.13 control characters: escapes from files never reach the terminal', () => {
  assert.equal(stripControl('a\u001b[2Jb\u001b]0;pwned\u0007c\u009b31md\u0000e\tf\ng'), 'abcde\tf\ng');
  assert.equal(stripControl('plain "text": 1.5 MB'), 'plain "text": 1.5 MB');
  assert.doesNotMatch(stripControl('\u001b[38;5;196mred\u001b[0m \u001bc'), /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
});

test('#18.10 report on crafted folders: chart ticks end for huge, infinite and NaN ranges', () => {
  for (const [min, max] of [
    [1e20, 1e20 + 1e6],
    [0, 1e20],
    [1e20, 1e20],
    [-Infinity, Infinity],
    [0, Number.NaN],
    [-Number.MAX_VALUE, Number.MAX_VALUE],
    [1e300, 1e308],
  ]) {
    const { ticks } = niceTicks(min!, max!);
    assert.ok(ticks.length >= 1 && ticks.length <= 30, `${min}..${max}: ${ticks.length} ticks`);
    assert.ok(ticks.every(Number.isFinite));
  }
  assert.deepEqual(niceTicks(0, 10).ticks, [0, 2, 4, 6, 8, 10]);
});
