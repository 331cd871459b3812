// `exsoak run` parses its flags and scenario, then execs into a supervisor that holds none of the
// parser's libraries (src/cli/handoff.ts): same PID, same command line, no yargs, yaml or zod.
// EXSOAK_NO_EXEC=1 keeps the run in the first image: the same run, with them loaded — which is
// also what shows this test can see those libraries when they are there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.ts';
import { tempDir, writeScenario } from '../helpers/run.ts';

const RECORDER = fileURLToPath(new URL('../fixtures/record-loads.mjs', import.meta.url));
const PARSER_LIBS = /\/node_modules\/(zod|yaml|yargs)\//;

interface Loads {
  pid: number;
  plan: boolean;
  argv: string[];
  urls: string[];
}

async function recordedRun(env: NodeJS.ProcessEnv): Promise<{ loads: Loads[]; code: number | null; stderr: string; planDirs: string[] }> {
  const dir = tempDir();
  const loadsDir = tempDir('exsoak-loads-');
  const file = writeScenario(dir, { name: 'lean', duration: '2s', probes: { idle0: { kind: 'idle' } } });
  const result = await runCli(['run', file, '--no-progress', '--allow-inconclusive', '--out', path.join(dir, 'out')], {
    env: { NODE_OPTIONS: `--import=${RECORDER}`, EXSOAK_TEST_LOADS: loadsDir, TMPDIR: dir, ...env },
    timeoutMs: 60_000,
  });
  const loads = readdirSync(loadsDir).map((f) => JSON.parse(readFileSync(path.join(loadsDir, f), 'utf8')) as Loads);
  return { loads, code: result.code, stderr: result.stderr, planDirs: readdirSync(dir).filter((f) => f.startsWith('exsoak-plan-')) };
}

test('the run is supervised by an image of the same process without yargs, yaml or zod', async () => {
  const run = await recordedRun({});
  assert.equal(run.code, 0, run.stderr);
  // The first image is replaced (no exit of its own): only the supervising one writes its record.
  assert.equal(run.loads.length, 1, JSON.stringify(run.loads.map((l) => ({ pid: l.pid, plan: l.plan }))));
  const lean = run.loads[0]!;
  assert.equal(lean.plan, true, 'the supervising image was started with a plan');
  assert.equal(lean.argv[1], 'run', 'same command line as the user typed');
  assert.ok(lean.urls.some((u) => u.endsWith('/src/cli/supervise.ts') || u.endsWith('/cli/supervise.js')), 'it ran supervise');
  assert.deepEqual(lean.urls.filter((u) => PARSER_LIBS.test(u)), [], 'no parser library in the supervisor');
  assert.ok(lean.urls.some((u) => /\/node_modules\/piscina\//.test(u)), 'the recorder sees npm packages');
  assert.deepEqual(run.planDirs, [], 'the plan file is removed');
});

test('EXSOAK_NO_EXEC=1 keeps the run in the parsing process, libraries and all', async () => {
  const run = await recordedRun({ EXSOAK_NO_EXEC: '1' });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.loads.length, 1);
  const only = run.loads[0]!;
  assert.equal(only.plan, false);
  const libs = new Set(only.urls.filter((u) => PARSER_LIBS.test(u)).map((u) => PARSER_LIBS.exec(u)![1]));
  assert.deepEqual([...libs].sort(), ['yaml', 'yargs', 'zod']);
});
