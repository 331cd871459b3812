import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Verdict } from '../../src/bus/verdict.ts';
import { renderJunit, xmlEscape } from '../../src/results/junit.ts';
import { writeCiExports } from '../../src/results/ci-exports.ts';
import { readRun, RunReadError } from '../../src/results/read-run.ts';
import { fakeRun, flat, leaking } from '../helpers/fake-run.ts';
import { tempDir } from '../helpers/run.ts';

type Node = Record<string, unknown>;
const arr = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Parses JUnit XML after checking it is well-formed; returns the suites with their attributes. */
function parseJunit(xml: string) {
  const valid = XMLValidator.validate(xml);
  assert.equal(valid, true, JSON.stringify(valid));
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) }).parse(xml) as Node;
  const root = doc.testsuites as Node;
  const suites = arr(root.testsuite as Node[]);
  return { root, suites, cases: (name: string) => arr((suites.find((s) => s['@name'] === name) as Node | undefined)?.testcase as Node[]) };
}

const passing: Verdict = {
  pass: true,
  scenario: 'quick',
  partial: false,
  reason: 'completed',
  durationMs: 60_000,
  probes: {
    binance: {
      pass: true,
      kind: 'binance',
      status: 'stopped',
      criteria: [
        { expr: 'msg_rate.avg > 10', value: 57.2, pass: true },
        { expr: 'drops.unscheduled < 10', value: 0, pass: true },
      ],
      leak: { status: 'none', points: 30, slopeMbPerH: 0.1, lowMbPerH: -0.2, highMbPerH: 0.4, pValue: 0.5, projectedMb: 0, budgetMb: 50 },
    },
    idle: { pass: true, kind: 'idle', status: 'stopped', criteria: [], leak: { status: 'insufficient-data', points: 2, budgetMb: 50 } },
  },
  process: { pass: true, criteria: [{ expr: 'rss_mb.max < 450', value: 180, pass: true }] },
};

const failing: Verdict = {
  ...passing,
  pass: false,
  probes: {
    binance: {
      ...passing.probes.binance!,
      pass: false,
      criteria: [
        { expr: 'msg_rate.avg > 10', value: 3.25, pass: false },
        { expr: 'drops.unscheduled < 10', value: 0, pass: true },
        { expr: 'no confirmed leak', value: '61 MB/h [55, 70]', pass: false },
      ],
      leak: { status: 'confirmed', points: 40, slopeMbPerH: 61, lowMbPerH: 55, highMbPerH: 70, pValue: 0.0001, projectedMb: 1320, budgetMb: 50 },
    },
    bitunix: { pass: false, kind: 'bitunix', status: 'crashed', error: 'TypeError: x <is> "undefined" & \u0007bell', criteria: [{ expr: 'no crash', value: 'TypeError: x <is> "undefined" & \u0007bell', pass: false }], leak: { status: 'none', points: 8, budgetMb: 50 } },
  },
  process: { pass: false, criteria: [{ expr: 'rss_mb.max < 450', value: 512.5, pass: false, abortOnFail: true, note: 'failed at …; aborted' }] },
};

test('JUnit of a passing run: well-formed, one suite per probe + process + run, no failures, the unjudged leak is skipped', () => {
  const { root, suites, cases } = parseJunit(renderJunit(passing, { startedAt: '2026-01-01T00:00:00.000Z', hostname: 'soak-1', runId: 'quick-20260101-000000' }));
  assert.deepEqual(suites.map((s) => s['@name']), ['binance', 'idle', 'process', 'run']);
  // binance: 2 criteria + leak check; idle: leak check; process: 1; run: 1.
  assert.equal(root['@tests'], '6');
  assert.equal(root['@failures'], '0');
  assert.equal(root['@skipped'], '1');
  assert.deepEqual(cases('binance').map((c) => c['@name']), ['msg_rate.avg > 10', 'drops.unscheduled < 10', 'leak check (heap floor trend)']);
  assert.ok((cases('idle')[0] as Node).skipped, 'an inconclusive leak check is not a pass');
  assert.equal(suites[0]!['@hostname'], 'soak-1');
  assert.equal(suites[0]!['@time'], '60.000');
});

test('JUnit of a failing run: failures count exactly what fails the verdict, with value and threshold', () => {
  const xml = renderJunit(failing);
  const { root, suites, cases } = parseJunit(xml);
  assert.equal(root['@failures'], '4', 'msg_rate, leak, crash, process rss');
  assert.equal(root['@tests'], '7', 'binance 2+leak, bitunix crash+leak, process 1, run 1');
  const byName = Object.fromEntries(suites.map((s) => [s['@name'], s]));
  assert.equal(byName.binance!['@failures'], '2');
  assert.equal(byName.bitunix!['@failures'], '1');
  assert.equal(byName.process!['@failures'], '1');
  assert.equal(byName.run!['@failures'], '0');
  const msg = (cases('binance')[0] as Node).failure as Node;
  assert.equal(msg['@message'], 'msg_rate.avg > 10 failed: value 3.25, threshold > 10');
  const leak = (cases('binance')[2] as Node).failure as Node;
  assert.equal(leak['@type'], 'leak');
  assert.match(String(leak['@message']), /61 MB\/h \[55, 70\]/);
  const crash = (cases('bitunix')[0] as Node).failure as Node;
  assert.equal(crash['@type'], 'crash');
  assert.match(String(crash['@message']), /x <is> "undefined" & bell/, 'escaped, control characters dropped');
  assert.equal(((cases('process')[0] as Node).failure as Node)['@type'], 'abort-threshold');
  assert.equal(xmlEscape('a\u0000<&>"\''), 'a&lt;&amp;&gt;&quot;&apos;');
});

test('an interrupted run fails the "run completed" case even when every criterion held', () => {
  const { root, cases } = parseJunit(renderJunit({ ...passing, pass: false, partial: true, reason: 'interrupted' }));
  assert.equal(root['@failures'], '1');
  assert.match(String(((cases('run')[0] as Node).failure as Node)['@message']), /interrupted/);
});

test('writeCiExports: junit.xml and summary.json in the folder and at the asked paths; k6-style metrics with thresholds {ok}', () => {
  const dir = fakeRun({
    probes: [
      { name: 'binance', kind: 'binance', floor: flat, messagesPerSec: 50 },
      { name: 'leaky', kind: 'leaky', floor: leaking },
    ],
    seconds: 30,
    verdict: {
      pass: false,
      probes: {
        binance: { pass: true, kind: 'binance', status: 'stopped', criteria: [{ expr: 'msg_rate.avg > 10', value: 50, pass: true }] },
        leaky: {
          pass: false,
          kind: 'leaky',
          status: 'stopped',
          criteria: [
            { expr: 'heap_floor_mb.growth < 1', value: 2.9, pass: false },
            { expr: 'leak.slope_mb_per_h < 10', value: 351, pass: false },
          ],
          leak: { status: 'suspected', points: 15, slopeMbPerH: 351, lowMbPerH: 340, highMbPerH: 360, pValue: 0.001, projectedMb: 8000, budgetMb: 1 },
        },
      },
      process: { pass: true, criteria: [{ expr: 'rss_mb.max < 4000', value: 180, pass: true }] },
    },
  });
  const out = tempDir();
  const written = writeCiExports(readRun(dir), { junit: path.join(out, 'ci', 'junit.xml'), summaryExport: path.join(out, 'summary-export.json') });
  assert.equal(written.length, 4);
  assert.equal(readFileSync(path.join(dir, 'junit.xml'), 'utf8'), readFileSync(path.join(out, 'ci', 'junit.xml'), 'utf8'));
  const { root } = parseJunit(readFileSync(path.join(dir, 'junit.xml'), 'utf8'));
  assert.equal(root['@failures'], '2');

  const summary = JSON.parse(readFileSync(path.join(out, 'summary-export.json'), 'utf8'));
  assert.deepEqual(summary, JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')));
  assert.equal(summary.exsoak.pass, false);
  assert.equal(summary.exsoak.run_id, path.basename(dir));
  assert.equal(summary.state.testRunDurationMs, 30_000);
  const rate = summary.metrics['msg_rate{probe:binance}'];
  assert.equal(rate.type, 'trend');
  assert.ok(Math.abs(rate.values.avg - 50) < 1, JSON.stringify(rate.values));
  for (const k of ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)']) assert.equal(typeof rate.values[k], 'number', k);
  assert.deepEqual(rate.thresholds, { 'msg_rate.avg > 10': { ok: true } });
  const floor = summary.metrics['heap_floor_mb{probe:leaky}'];
  assert.deepEqual(floor.thresholds, { 'heap_floor_mb.growth < 1': { ok: false } });
  // 100 KB/s over ~28 s of floors
  assert.ok(floor.values.growth > 2 && floor.values.growth < 3.1, JSON.stringify(floor.values));
  assert.deepEqual(summary.metrics['leak.slope_mb_per_h{probe:leaky}'].thresholds, { 'leak.slope_mb_per_h < 10': { ok: false } });
  assert.equal(summary.metrics['leak.slope_mb_per_h{probe:leaky}'].values.low, 340);
  assert.equal(summary.metrics['messages{probe:binance}'].type, 'counter');
  assert.equal(summary.metrics['messages{probe:binance}'].values.count, 1500);
  assert.deepEqual(summary.metrics['rss_mb{probe:process}'].thresholds, { 'rss_mb.max < 4000': { ok: true } });
});

test('a killed run (no verdict.json) cannot give JUnit: a clear error naming the folder', () => {
  const dir = fakeRun({ probes: [{ name: 'idle', kind: 'idle', floor: flat }], seconds: 5, verdict: null });
  assert.throws(() => writeCiExports(readRun(dir)), (err: Error) => err instanceof RunReadError && err.message.startsWith(dir) && /verdict\.json/.test(err.message));
  assert.equal(existsSync(path.join(dir, 'junit.xml')), false);
});
