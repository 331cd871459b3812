import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRuns, formatComparison, type Comparison } from '../../src/results/compare.ts';
import { readRun } from '../../src/results/read-run.ts';
import type { Verdict } from '../../src/bus/verdict.ts';
import { fakeRun, MB, type FakeProbe } from '../helpers/fake-run.ts';

const HOUR = 3600;
/** A flat floor with a little deterministic jitter (GC noise). */
const flat = (ms: number) => 20 * MB + ((Math.floor(ms / 2000) * 7919) % 11) * 4096;
/** A floor growing `mbPerH` MB per hour, on top of the same jitter. */
const growing = (mbPerH: number) => (ms: number) => flat(ms) + (mbPerH * MB * ms) / 3_600_000;

function run(probes: FakeProbe[], seconds = HOUR, verdict?: Partial<Verdict>, intervalMs = 2000) {
  return readRun(fakeRun({ probes, seconds, intervalMs, ...(verdict ? { verdict } : {}) }));
}

function row(c: Comparison, scope: string, figure: string) {
  const r = c.rows.find((x) => x.scope === scope && x.figure === figure);
  assert.ok(r, `row ${scope} ${figure}`);
  return r;
}

const probe = (floor: (ms: number) => number, extra: Partial<FakeProbe> = {}): FakeProbe => ({ name: 'bn', kind: 'binance', floor, messagesPerSec: 100, ...extra });

test('two healthy runs of the same code: no regression', () => {
  const c = compareRuns(run([probe(flat)]), run([probe((ms) => flat(ms + 2000))]), { tolerance: 0.1 });
  assert.equal(c.regression, false, formatComparison(c));
  const slope = row(c, 'bn', 'heap floor slope');
  assert.ok(slope.a !== undefined && Math.abs(slope.a) < 0.2, `A slope ${slope.a}`);
  assert.equal(slope.regression, false);
});

test('a leak in B is a regression on the floor slope and growth; a tiny slope under the noise floor is not', () => {
  const A = run([probe(flat)]);
  const leak = compareRuns(A, run([probe(growing(5))]), { tolerance: 0.1 });
  assert.equal(leak.regression, true);
  const slope = row(leak, 'bn', 'heap floor slope');
  assert.ok(Math.abs(slope.b! - 5) < 0.3, `B slope ${slope.b} MB/h`);
  assert.equal(slope.regression, true);
  assert.match(slope.why!, /worse by/);
  assert.equal(row(leak, 'bn', 'heap floor growth').regression, true);
  const text = formatComparison(leak);
  assert.match(text, /REGRESSION: B is worse on 2 figure\(s\)/);
  assert.match(text, /bn heap floor slope: worse by/);

  // 0.5 MB/h over one hour is 0.5 MB: below the 1 MB-over-the-run noise floor.
  const tiny = compareRuns(A, run([probe(growing(0.5))]), { tolerance: 0.1 });
  assert.equal(row(tiny, 'bn', 'heap floor slope').regression, false, formatComparison(tiny));
  assert.equal(tiny.regression, false);
});

test('the tolerance is relative to A: 15 % faster growth fails at 10 %, passes at 20 %', () => {
  const A = run([probe(growing(20))]);
  const B = run([probe(growing(23))]);
  assert.equal(compareRuns(A, B, { tolerance: 0.1 }).regression, true);
  assert.equal(compareRuns(A, B, { tolerance: 0.2 }).regression, false);
  // Better in B is never a regression.
  assert.equal(compareRuns(B, A, { tolerance: 0 }).regression, false);
});

test('overlapping confidence intervals are noise, even when the medians differ by more than the floor', () => {
  // Very noisy floors, few of them: each point is off by up to ±8 MB, 180 points an hour; the
  // true slopes differ by 2 MB/h, more than the 1 MB/h noise floor of a one-hour run.
  const noisy = (mbPerH: number, seed: number) => (ms: number) => 20 * MB + (mbPerH * MB * ms) / 3_600_000 + ((((Math.floor(ms / 20_000) + seed) * 2654435761) % 1000) / 1000 - 0.5) * 16 * MB;
  const c = compareRuns(run([probe(noisy(0, 1))], HOUR, undefined, 20_000), run([probe(noisy(2, 7))], HOUR, undefined, 20_000), { tolerance: 0 });
  const slope = row(c, 'bn', 'heap floor slope');
  assert.ok(slope.b! - slope.a! > 1, `the medians differ by more than the noise floor (${slope.a} vs ${slope.b})`);
  assert.equal(slope.regression, false, formatComparison(c));
  assert.match(slope.why ?? '', /overlaps/);
});

test('counts (scaled to A’s length), message rate and latency gauges regress only past tolerance and noise floor', () => {
  const counters = (errors: number, drops: number) => (ms: number) => ({ errors: Math.round((errors * ms) / (HOUR * 1000)), 'drops.unscheduled': Math.round((drops * ms) / (HOUR * 1000)), 'drops.scheduled': 3 });
  const lat = (p99: number) => () => ({ 'latency_ms.p99': p99 });
  const A = run([probe(flat, { counters: counters(10, 2), gauges: lat(20) })]);

  const same = compareRuns(A, run([probe(flat, { counters: counters(11, 4), gauges: lat(21) })]), { tolerance: 0.1 });
  assert.equal(same.regression, false, formatComparison(same));

  const worse = compareRuns(A, run([probe(flat, { messagesPerSec: 80, counters: counters(20, 9), gauges: lat(40) })]), { tolerance: 0.1 });
  for (const figure of ['errors', 'unscheduled drops', 'msg rate avg', 'latency_ms.p99 avg']) assert.equal(row(worse, 'bn', figure).regression, true, figure);
  assert.equal(row(worse, 'bn', 'reconnects').regression, false);

  // Twice as long with twice the errors is the same error rate.
  const longer = compareRuns(A, readRun(fakeRun({ probes: [probe(flat, { counters: counters(10, 2), gauges: lat(20) })], seconds: 2 * HOUR, intervalMs: 2000 })), { tolerance: 0.1 });
  assert.equal(row(longer, 'bn', 'errors').regression, false, formatComparison(longer));
  assert.ok(longer.notes.some((n) => /differ in length/.test(n)));
});

test('a probe that passed in A and fails in B is a regression; a probe only in one run is a note', () => {
  const passing = { pass: true, kind: 'binance', status: 'stopped', criteria: [] };
  const A = run([probe(flat), { name: 'extra', kind: 'idle', floor: flat }], HOUR / 4);
  const B = run([probe(flat)], HOUR / 4, { pass: false, probes: { bn: { ...passing, pass: false, status: 'crashed', error: 'ERR_WORKER_OUT_OF_MEMORY', criteria: [{ expr: 'no crash', value: 'x', pass: false }] } } });
  const c = compareRuns(A, B, { tolerance: 0.1 });
  const verdict = row(c, 'bn', 'verdict');
  assert.equal(verdict.regression, true);
  assert.match(verdict.why!, /ERR_WORKER_OUT_OF_MEMORY/);
  assert.ok(c.notes.some((n) => /"extra" is only in run A/.test(n)));
  assert.ok(!c.rows.some((r) => r.scope === 'extra'));
  JSON.parse(JSON.stringify(c));
});

test("the verdict engine's leak slope is used when present", () => {
  const A = run([probe(flat)]);
  const leak = { status: 'confirmed' as const, points: 40, slopeMbPerH: 9, lowMbPerH: 8, highMbPerH: 10, pValue: 0.001, budgetMb: 50 };
  const B = run([probe(flat)], HOUR, { probes: { bn: { pass: true, kind: 'binance', status: 'stopped', criteria: [], leak } } });
  const slope = row(compareRuns(A, B, { tolerance: 0.1 }), 'bn', 'heap floor slope');
  assert.equal(slope.b, 9);
  assert.equal(slope.regression, true);
});
