// #23 4(c, d): for a `kind: process` probe the seed's memory checks are about ITS memory (the
// periodic report, the memory table, reports.ndjson), beside exsoak's own process RSS; and the
// periodic check and the verdict never disagree without the summary saying why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Bus } from '../../src/bus/bus.ts';
import type { PeriodicReport } from '../../src/bus/report.ts';
import type { Verdict } from '../../src/bus/verdict.ts';
import { PeriodicReporter } from '../../src/results/periodic-report.ts';
import { kindMetrics } from '../../src/probes/index.ts';
import { formatSummary } from '../../src/progress/summary.ts';
import { makeSample } from '../helpers/samples.ts';

const MB = 1024 * 1024;
const MIN = 60_000;

/** A flat Python process probe (26.2 MB) while exsoak's own RSS grows 65 → 141 MB (issue #23). */
function run(dir?: string): PeriodicReport {
  const bus = new Bus();
  const rep = new PeriodicReporter({
    bus,
    dir,
    scenario: 'py-20m',
    startedAt: 0,
    durationMs: 20 * MIN,
    nominalMs: 20 * MIN,
    everyMs: 5 * MIN,
    probes: [
      { name: 'py', kind: 'process', metrics: kindMetrics('process') },
      { name: 'ws', kind: 'idle', metrics: kindMetrics('idle') },
    ],
    onError: (err) => assert.fail(err),
  });
  bus.emit('run:settled', { t: 5_000 });
  for (let i = 0; i <= 20; i++) {
    const t = 10_000 + i * MIN;
    bus.emit('sample', makeSample('py', t, { rss: (26.2 + (i === 3 ? 0.4 : 0)) * MB, ownProcess: true }));
    bus.emit('sample', makeSample('ws', t, { rss: (65 + i * 3.8) * MB }));
    bus.emit('sample', makeSample('process', t, { rss: (65 + i * 3.8) * MB }));
  }
  return rep.finish(20 * MIN + 10_000)!;
}

const verdict = (over: Partial<Verdict> = {}): Verdict => ({
  pass: true,
  scenario: 'py-20m',
  partial: false,
  reason: 'completed',
  durationMs: 20 * MIN,
  probes: {
    py: { pass: true, kind: 'process', status: 'stopped', criteria: [], leak: { status: 'none', series: 'rss_mb', points: 20, budgetMb: 50, slopeMbPerH: 0, lowMbPerH: 0, highMbPerH: 0.1, reason: 'no leak: 0.00 MB/h' } },
    ws: { pass: true, kind: 'idle', status: 'stopped', criteria: [] },
  },
  process: { pass: true, criteria: [{ expr: 'rss_mb.growth < 100', value: 76, pass: true }] },
  ...over,
});

test("a process probe's own RSS is in the report, its leak check, the memory table and reports.ndjson, beside exsoak's", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'exsoak-own-'));
  try {
    const final = run(dir);
    assert.deepEqual(final.probes.py!.memory, { currentMb: 26.2, peakMb: 26.6, averageMb: 26.2, initialMb: 26.2, leakCheck: { ratio: 1, limit: 1.5, pass: true } });
    assert.equal(final.probes.ws!.memory, undefined, 'a worker probe has no RSS of its own');
    assert.equal(final.memory.leakCheck.pass, false, "exsoak's own RSS grew 2.17 ×");
    assert.ok(final.memoryTable!.every((row) => row.probesRssMb?.py === 26.2 || row.probesRssMb?.py === 26.6), JSON.stringify(final.memoryTable));
    const lines = readFileSync(path.join(dir, 'reports.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PeriodicReport);
    assert.equal(lines.at(-1)!.final, true);
    assert.equal(lines.at(-1)!.probes.py!.memory!.currentMb, 26.2);
    const text = formatSummary(verdict(), '/tmp/x', false, final);
    assert.match(text, /py memory \(its own RSS\) current 26\.2 MB, peak 26\.6 MB, average 26\.2 MB; leak check 1\.00 × initial < 1\.5 ok/);
    assert.match(text, /exsoak process \(supervisor\) memory current 141\.0 MB/);
    assert.match(text, /checkpoint\s+at\s+exsoak RSS\s+py RSS/);
    assert.match(text, /h0\s+10s\s+65\.0 MB\s+26\.2 MB/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the periodic check and the verdict disagreeing: the summary says why, both ways; agreeing: no note', () => {
  const final = run();
  // Check FAIL (exsoak's own RSS), verdict PASS.
  const pass = formatSummary(verdict(), '/tmp/x', false, final);
  assert.match(pass, /note: the periodic leak check FAILs on exsoak's own process RSS, 2\.17 × initial \(65 → 141 MB\), while the verdict's process criteria pass: .*no process criterion judges that ratio .*process probes' own memory is checked on their own lines \(py\)/);
  // Check passes, verdict confirms a leak.
  const calm = { ...final, memory: { ...final.memory, currentMb: 70, leakCheck: { ratio: 1.08, limit: 1.5, pass: true } } };
  const leaking = verdict({
    pass: false,
    probes: { ws: { pass: false, kind: 'idle', status: 'stopped', criteria: [{ expr: 'no confirmed leak', value: '6 MB/h [5, 7]', pass: false }], leak: { status: 'confirmed', series: 'heap_floor_mb', points: 40, budgetMb: 50, slopeMbPerH: 6 } } },
  });
  assert.match(formatSummary(leaking, '/tmp/x', false, calm), /note: the periodic leak check passes \(1\.08 × initial .*\) but the verdict confirms a leak in ws \(6 MB\/h on its heap floor\)/);
  // The process probe's own check failing while its verdict passes.
  const grown = { ...final, probes: { ...final.probes, py: { ...final.probes.py!, memory: { ...final.probes.py!.memory!, currentMb: 45, leakCheck: { ratio: 1.72, limit: 1.5, pass: false } } } } };
  assert.match(formatSummary(verdict(), '/tmp/x', false, grown), /note: py: its own RSS grew 1\.72 × initial \(26\.2 → 45 MB\) ≥ 1\.5 in the periodic check, but its verdict passes: the verdict judges its RSS trend \(none: no leak/);
  // Agreeing: nothing to explain.
  assert.doesNotMatch(formatSummary(verdict(), '/tmp/x', false, calm), /note:/);
});
