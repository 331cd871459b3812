import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { runCli } from '../helpers/cli.ts';
import { tempDir, writeScenario } from '../helpers/run.ts';

const scenario = (processThreshold: string) => `name: ci
duration: 2s
sampleInterval: 250ms
probes:
  idle: { kind: idle, thresholds: ["heap_used_mb.max < 4000"] }
process: { thresholds: ["${processThreshold}"] }
`;

function counts(file: string): { tests: number; failures: number; suites: string[] } {
  const xml = readFileSync(file, 'utf8');
  assert.equal(XMLValidator.validate(xml), true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (n) => n === 'testsuite' }).parse(xml);
  const root = doc.testsuites;
  return { tests: Number(root['@tests']), failures: Number(root['@failures']), suites: root.testsuite.map((s: Record<string, string>) => s['@name']) };
}

test('run --junit/--summary-export on a passing and a failing run; report regenerates both', async () => {
  const dir = tempDir();
  for (const [name, threshold, code, failures] of [
    ['pass', 'rss_mb.max < 100000', 0, 0],
    ['fail', 'rss_mb.max < 1', 1, 1],
  ] as const) {
    const file = writeScenario(dir, scenario(threshold), `${name}.yaml`);
    const out = path.join(dir, name);
    const junit = path.join(dir, 'ci', `${name}-junit.xml`);
    const summaryFile = path.join(dir, 'ci', `${name}-summary.json`);
    const res = await runCli(['run', file, '--out', out, '--junit', junit, '--summary-export', summaryFile, '--no-progress'], { timeoutMs: 60_000 });
    assert.equal(res.code, code, res.stderr);
    // idle: heap criterion + leak check; process: rss; run completed.
    assert.deepEqual(counts(junit), { tests: 4, failures, suites: ['idle', 'process', 'run'] });
    assert.equal(readFileSync(junit, 'utf8'), readFileSync(path.join(out, 'junit.xml'), 'utf8'));
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
    assert.equal(summary.exsoak.pass, code === 0);
    assert.deepEqual(summary.metrics['rss_mb{probe:process}'].thresholds, { [threshold]: { ok: code === 0 } });
    assert.ok(summary.metrics['heap_used_mb{probe:idle}'].values.max > 0);

    // `exsoak report` rebuilds them from the folder alone.
    rmSync(path.join(out, 'junit.xml'));
    const again = path.join(dir, 'ci', `${name}-again.xml`);
    const rep = await runCli(['report', out, '--junit', again]);
    assert.equal(rep.code, 0, rep.stderr);
    assert.equal(rep.stdout.trim(), path.join(out, 'report.html'));
    assert.deepEqual(counts(again), { tests: 4, failures, suites: ['idle', 'process', 'run'] });
    assert.deepEqual(counts(path.join(out, 'junit.xml')), counts(junit));
  }
});
