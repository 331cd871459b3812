import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseThreshold, ExpressionError, compare } from '../../src/shared/threshold.ts';

test('threshold grammar', () => {
  assert.deepEqual(parseThreshold('rss_mb.max < 450'), { expr: 'rss_mb.max < 450', metric: 'rss_mb', aggregate: 'max', op: '<', value: 450, windowMs: undefined });
  assert.deepEqual(parseThreshold('drops.unscheduled < 10'), { expr: 'drops.unscheduled < 10', metric: 'drops.unscheduled', aggregate: undefined, op: '<', value: 10, windowMs: undefined });
  assert.equal(parseThreshold('error_rate < 0.001').value, 0.001);
  assert.equal(parseThreshold('ws_reconnects.count <= 5').aggregate, 'count');
  assert.equal(parseThreshold('state.error_lock == 0').metric, 'state.error_lock');
  assert.equal(parseThreshold('cpu_pct.avg < 30 over 10m').windowMs, 600_000);
  assert.equal(parseThreshold('leak.slope_mb_per_h < 2').metric, 'leak.slope_mb_per_h');
});

test('parse errors point at the expression', () => {
  const cases: [string, RegExp, number][] = [
    ['rss_mb.max << 450', /expected a number/, 12],
    ['rss_mb.max 450', /expected one of/, 11],
    ['rss_mb.max < lots', /expected a number/, 13],
    ['< 450', /expected a metric name/, 0],
    ['rss_mb.max < 450 over forever', /expected a duration after "over"/, 22],
    ['rss_mb.max < 450 please', /expected the end/, 17],
  ];
  for (const [expr, message, column] of cases) {
    assert.throws(
      () => parseThreshold(expr),
      (err: unknown) => err instanceof ExpressionError && message.test(err.message) && err.column === column && err.message.includes(expr),
      expr,
    );
  }
});

test('compare', () => {
  assert.equal(compare(1, '<', 2), true);
  assert.equal(compare(2, '<', 2), false);
  assert.equal(compare(2, '<=', 2), true);
  assert.equal(compare(3, '>', 2), true);
  assert.equal(compare(2, '>=', 3), false);
  assert.equal(compare(0, '==', 0), true);
  assert.equal(compare(1, '!=', 0), true);
});
