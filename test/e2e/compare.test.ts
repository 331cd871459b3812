import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runScenario, tempDir } from '../helpers/run.ts';
import { runCli } from '../helpers/cli.ts';

const MB = 1024 * 1024;
// Short runs with frequent full GCs: enough floor points for a slope in seconds.
const scenario = {
  name: 'compare',
  duration: '4s',
  sampleInterval: '250ms',
  gcFloorInterval: '250ms',
  metrics: { port: 0 },
  probes: { idle: { kind: 'idle' }, leaky: { kind: 'leaky', options: { rate: 0 } } },
};

let healthyA = '';
let healthyB = '';
let leaking = '';

before(async () => {
  healthyA = (await runScenario(scenario)).dir;
  healthyB = (await runScenario(scenario)).dir;
  leaking = (await runScenario(scenario, { injectLeaks: { leaky: 2 * MB } })).dir;
});

test('compare: healthy vs healthy is no regression (exit 0), a side-by-side table per probe', async (t) => {
  const res = await runCli(['compare', healthyA, healthyB]);
  assert.equal(res.code, 0, res.stdout + res.stderr);
  for (const line of [/^idle$/m, /^leaky$/m, /^process$/m, /heap floor slope \(MB\/h\)/, /heap floor growth \(MB\)/, /max RSS \(MB\)/, /no regression \(tolerance 10 %\)/]) {
    assert.match(res.stdout, line);
  }
});

test('compare: an injected leak in B is a regression on the leaking probe only (exit 1)', async () => {
  const res = await runCli(['compare', healthyA, leaking]);
  assert.equal(res.code, 1, res.stdout + res.stderr);
  assert.match(res.stdout, /REGRESSION: B is worse on/);
  assert.match(res.stdout, /^ {2}leaky heap floor slope: worse by [\d,.]+ MB\/h/m);
  assert.doesNotMatch(res.stdout, /^ {2}idle /m, 'idle is not blamed');

  const json = await runCli(['compare', healthyA, leaking, '--json']);
  assert.equal(json.code, 1);
  const c = JSON.parse(json.stdout);
  assert.equal(c.regression, true);
  assert.equal(c.tolerance, 0.1);
  const slope = c.rows.find((r: { scope: string; figure: string }) => r.scope === 'leaky' && r.figure === 'heap floor slope');
  assert.equal(slope.regression, true);
  assert.ok(slope.b > 1000, `leaky slope in B: ${slope.b} MB/h (2 MB/s ≈ 7,200)`);
  // The other way round B is the healthy one: better is never a regression.
  assert.equal((await runCli(['compare', leaking, healthyA])).code, 0);
});

test('compare: bad input is a usage error (exit 2) naming what is wrong', async () => {
  const missing = path.join(tempDir(), 'nope');
  const res = await runCli(['compare', healthyA, missing]);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /runB: .*nope: not a results folder/);
  const tol = await runCli(['compare', healthyA, healthyB, '--tolerance', '-1']);
  assert.equal(tol.code, 2);
  assert.match(tol.stderr, /--tolerance/);
  const empty = await runCli(['compare', healthyA, tempDir()]);
  assert.equal(empty.code, 2);
});
