// `exsoak init --python` scaffolds a Python client and a process-probe scenario with
// `python: true` that pass as they are, with the Python heap floor read through the agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { readNdjson, tempDir } from '../helpers/run.ts';

test('exsoak init --python: a Python process probe with python: true that passes as it is', { timeout: 180_000 }, async () => {
  const dir = path.join(tempDir('exsoak-init-py-'), 'soak');
  const init = await runCli(['init', dir, '--python']);
  assert.equal(init.code, 0, init.stderr);
  assert.ok(existsSync(path.join(dir, 'client.py')));
  const scenario = readFileSync(path.join(dir, 'scenario.yaml'), 'utf8');
  assert.match(scenario, /kind: process/);
  assert.match(scenario, /python: true/);
  const again = await runCli(['init', dir, '--python']);
  assert.equal(again.code, 2, 'nothing is overwritten');
  const out = path.join(dir, 'run');
  const res = await runCli(['run', path.join(dir, 'scenario.yaml'), '--duration', '15s', '--allow-inconclusive', '--out', out, '--json', '--no-progress'], { timeoutMs: 150_000 });
  assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
  const verdict = JSON.parse(res.stdout) as { probes: { client: { leak: { series: string } } } };
  assert.equal(verdict.probes.client.leak.series, 'heap_floor_mb');
  const floors = readNdjson<{ probe: string; heapFloor: number | null }>(path.join(out, 'samples.ndjson')).filter((s) => s.probe === 'client' && s.heapFloor !== null);
  assert.ok(floors.length >= 2, 'the Python heap floor is read through the agent');
});
