// #26.11 the environment a probe that runs the user's code inherits: a documented choice a
// scenario can narrow (src/probes/probe-env.ts, validation/env.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeEnv, workerEnv } from '../../src/probes/probe-env.ts';
import { processProbeSchema } from '../../src/probes/validation/process.ts';
import { loadScenarios } from '../../src/scenario/load.ts';
import { tempDir, writeScenario } from '../helpers/run.ts';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const supervisor = { PATH: '/usr/bin', HOME: '/root', LC_ALL: 'C', BITUNIX_API_KEY: 'AKsupervisor1', BITUNIX_API_SECRET: 'SKsupervisor1', MY_BOT_KEY: 'mine123456', OTHER: 'x' };

test('#26.11 inheritEnv: true (the default) passes the whole environment; exported and env: go on top', () => {
  assert.deepEqual(probeEnv({}, {}, supervisor), supervisor);
  const env = probeEnv({ inheritEnv: true, env: { OTHER: 'set', PATH: '/opt/bin' } }, { BINANCE_REST_URL: 'http://127.0.0.1:1' }, supervisor);
  assert.equal(env.OTHER, 'set');
  assert.equal(env.PATH, '/opt/bin', 'env: is set last');
  assert.equal(env.BINANCE_REST_URL, 'http://127.0.0.1:1');
  assert.equal(env.BITUNIX_API_SECRET, 'SKsupervisor1');
});

test('#26.11 inheritEnv: false passes only what a program needs to start; a list adds names and PREFIX*', () => {
  assert.deepEqual(probeEnv({ inheritEnv: false }, {}, supervisor), { PATH: '/usr/bin', HOME: '/root', LC_ALL: 'C' });
  assert.deepEqual(probeEnv({ inheritEnv: ['MY_BOT_KEY'], env: { A: '1' } }, {}, supervisor), { PATH: '/usr/bin', HOME: '/root', LC_ALL: 'C', MY_BOT_KEY: 'mine123456', A: '1' });
  const prefixed = probeEnv({ inheritEnv: ['BITUNIX_*'] }, {}, supervisor);
  assert.equal(prefixed.BITUNIX_API_SECRET, 'SKsupervisor1');
  assert.equal(prefixed.OTHER, undefined);
});

test("#26.11 a module probe's worker keeps Node's default env unless the scenario narrows or sets it", () => {
  assert.equal(workerEnv({}), undefined);
  assert.equal(workerEnv({ inheritEnv: true, env: {} }), undefined);
  assert.equal(workerEnv({ inheritEnv: false })!.BITUNIX_API_SECRET, undefined);
});

test('#26.11 inheritEnv is validated with the key named, and refused with pid', () => {
  const bad = processProbeSchema.safeParse({ command: 'x', inheritEnv: 'no' });
  assert.equal(bad.success, false);
  assert.match(bad.error!.issues[0]!.path.join('.'), /^inheritEnv/);
  const badName = processProbeSchema.safeParse({ command: 'x', inheritEnv: ['NOT-A-NAME'] });
  assert.match(badName.error!.issues.map((i) => i.message).join(), /environment variable name, or a prefix ending in "\*"/);
  const pid = processProbeSchema.safeParse({ pid: 4242, inheritEnv: false });
  assert.match(pid.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join(), /inheritEnv: not available with "pid"/);
  const dir = tempDir();
  writeFileSync(path.join(dir, 'p.ts'), 'export default async () => {};\n');
  const file = writeScenario(dir, { name: 'e', duration: '1s', probes: { m: { kind: 'module', module: './p.ts', inheritEnv: 'nope' } } });
  assert.throws(() => loadScenarios([file]), /probes\.m\.inheritEnv/);
  const ok = writeScenario(dir, { name: 'e', duration: '1s', probes: { m: { kind: 'module', module: './p.ts', inheritEnv: ['BITUNIX_*'], env: { N: 3 } } } }, 'ok.yaml');
  const own = loadScenarios([ok]).probes[0]!.own as { inheritEnv: string[]; env: Record<string, string> };
  assert.deepEqual(own.inheritEnv, ['BITUNIX_*']);
  assert.deepEqual(own.env, { N: '3' });
});
