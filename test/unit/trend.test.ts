import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalCdf, normalQuantile, theilSen } from '../../src/stats/trend.ts';
import { mulberry32 } from '../../src/sim/faults.ts';

test('normal distribution helpers', () => {
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-7);
  assert.ok(Math.abs(normalCdf(1.959964) - 0.975) < 1e-6);
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959964) < 1e-5);
  assert.ok(Math.abs(normalQuantile(0.01) + 2.326348) < 1e-5);
});

test('Theil–Sen finds a slope through outliers, least squares would not', () => {
  const t = Array.from({ length: 40 }, (_, i) => i);
  const y = t.map((x) => 2 * x + 10);
  y[5] = 500;
  y[30] = -400;
  const r = theilSen(t, y)!;
  assert.ok(Math.abs(r.slope - 2) < 1e-9);
  assert.ok(r.low <= 2 && r.high >= 2);
  assert.ok(r.pValue < 1e-6);
});

test('noise without trend is not significant; a small trend in noise is, with an interval around it', () => {
  const rand = mulberry32(7);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  let falsePositives = 0;
  for (let trial = 0; trial < 100; trial++) {
    const t = Array.from({ length: 30 }, (_, i) => i);
    const r = theilSen(t, t.map(() => gauss()))!;
    if (r.pValue < 0.01) falsePositives++;
  }
  assert.ok(falsePositives <= 4, `false positives at 1 %: ${falsePositives}/100`);
  const t = Array.from({ length: 60 }, (_, i) => i);
  const r = theilSen(t, t.map((x) => 0.1 * x + gauss()))!;
  assert.ok(r.pValue < 0.01);
  assert.ok(r.low < 0.1 && 0.1 < r.high, `${r.low} .. ${r.high}`);
  assert.ok(r.low > 0);
});

test('autocorrelated wandering is penalised (variance inflated)', () => {
  const rand = mulberry32(3);
  const t = Array.from({ length: 80 }, (_, i) => i);
  // A slow random walk: strongly autocorrelated, no deterministic trend.
  let v = 0;
  const y = t.map(() => (v += rand() - 0.5));
  const r = theilSen(t, y)!;
  assert.ok(r.inflation > 1, `inflation ${r.inflation}`);
});
