// The real user's path: pack this repository, install the tarball (and Node 24 from npm) into an
// empty project, and use exsoak there — `exsoak init`, a module probe of that project, the
// examples (healthy, leaky, soak() from node:test) — with a Node 20 system first on PATH when
// there is one, so the project's own node@24 is what runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));

async function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeout = 120_000): Promise<{ code: number; stdout: string; stderr: string; failed?: true }> {
  try {
    // Not NODE_TEST_CONTEXT: a `node --test` started from this test would report to this runner instead of running.
    const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
    return { code: 0, ...(await run(cmd, args, { cwd, env: { ...inherited, NO_COLOR: '1', ...env }, timeout, maxBuffer: 32 * 1024 * 1024 })) };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '', failed: true };
  }
}

test('pack, install into an empty project, and run there', { timeout: 300_000 }, async (t) => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'exsoak-pack-'));
  const packed = await sh('npm', ['pack', '--pack-destination', tmp, '--silent'], repo);
  assert.ok(!packed.failed, `npm pack failed: ${packed.stderr}`);
  const tarball = path.join(tmp, readdirSync(tmp).find((f) => f.endsWith('.tgz'))!);

  const project = path.join(tmp, 'my-bot');
  cpSync(path.join(repo, 'examples/binance-stream'), path.join(project, 'examples/binance-stream'), { recursive: true });
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'my-bot', private: true, type: 'module', allowScripts: { node: true } }));
  const started = Date.now();
  const installed = await sh('npm', ['i', '-D', tarball, 'node@24', '--prefer-offline', '--no-audit', '--no-fund'], project);
  assert.ok(!installed.failed, `npm i failed: ${installed.stderr}`);
  t.diagnostic(`npm i of the tarball and node@24: ${Date.now() - started} ms`);
  assert.ok(!existsSync(path.join(project, 'node_modules/exsoak/src')), 'the package ships compiled JavaScript, not the sources');
  assert.ok(existsSync(path.join(project, 'node_modules/exsoak/dist/workers/lib/probe.d.ts')), 'exsoak/probe has types');

  // The user's shell: their system Node first on PATH (20 on this machine), npx adds the project's bin.
  const PATH = ['/usr/local/bin', '/usr/bin', '/bin', process.env.PATH].join(path.delimiter);
  const npx = (args: string[], env: NodeJS.ProcessEnv = {}) => sh('npx', ['--no-install', 'exsoak', ...args], project, { PATH, ...env });

  const help = await npx(['--help']);
  assert.match(help.stdout, /exsoak run <scenario\.\.\.>/);
  assert.doesNotMatch(help.stderr, /EBADENGINE|ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING/);

  const init = await npx(['init']);
  assert.match(init.stdout, /created soak\/scenario\.yaml/);
  const scenario = readFileSync(path.join(project, 'soak/scenario.yaml'), 'utf8');
  assert.match(scenario, /^# yaml-language-server: \$schema=\.\.\/node_modules\/exsoak\/schema\/scenario\.schema\.json$/m);
  assert.ok(existsSync(path.join(project, 'node_modules/exsoak/schema/scenario.schema.json')));
  const scaffold = await npx(['run', 'soak/scenario.yaml', '--duration', '5s', '--allow-inconclusive', '--metrics-port', '0', '--no-progress', '--json']);
  assert.equal(scaffold.code, 0, scaffold.stderr);
  assert.equal(JSON.parse(scaffold.stdout).pass, true);

  // The README's first command, typed in a project that installed exsoak: the ready scenarios ship
  // with the package, and the error says where; that one runs there as it does in the repository.
  const readme = await npx(['run', 'scenarios/quick.yaml', '--no-progress']);
  assert.equal(readme.code, 2, readme.stderr);
  assert.match(readme.stderr, /scenarios\/quick\.yaml: cannot read scenario file \(no such file\); exsoak's own quick\.yaml is node_modules\/exsoak\/scenarios\/quick\.yaml/);
  const shipped = await npx(['run', 'node_modules/exsoak/scenarios/quick.yaml', '--duration', '5s', '--allow-inconclusive', '--metrics-port', '0', '--no-progress', '--json']);
  assert.equal(shipped.code, 0, shipped.stderr);
  assert.deepEqual(Object.keys(JSON.parse(shipped.stdout).probes).sort(), ['binance', 'bitunix']);

  const healthy = await npx(['run', 'examples/binance-stream/soak-24h.yaml', '--duration', '6s', '--allow-inconclusive', '--sample-interval', '500ms', '--metrics-port', '0', '--no-progress', '--json']);
  assert.equal(healthy.code, 0, healthy.stderr);
  const ok = JSON.parse(healthy.stdout);
  assert.equal(ok.probes.stream.kind, 'module');
  assert.ok(ok.probes.stream.criteria.some((c: { expr: string; pass: boolean }) => c.expr === 'msg_rate.avg > 10' && c.pass));

  const leaky = await npx(['run', 'examples/binance-stream/soak-leaky.yaml', '--duration', '20s', '--metrics-port', '0', '--no-progress', '--json']);
  assert.equal(leaky.code, 1, leaky.stderr);
  const bad = JSON.parse(leaky.stdout);
  assert.equal(bad.probes.stream.leak.status, 'confirmed', JSON.stringify(bad.probes.stream.leak));
  assert.ok(bad.probes.stream.leak.culprits?.some((c: { path: string }) => /BinanceStream\.recent|recent/.test(c.path)), JSON.stringify(bad.probes.stream.leak.culprits));

  const nodeTest = await sh(path.join(project, 'node_modules/.bin/node'), ['--test', 'examples/binance-stream/soak.test.mjs'], project, { SOAK_DURATION: '5s', SOAK_OUT: path.join(tmp, 'soak-test-run') });
  assert.ok(!nodeTest.failed, `${nodeTest.stdout}\n${nodeTest.stderr}`);
  assert.match(nodeTest.stdout, /pass 1/);
  assert.ok(existsSync(path.join(tmp, 'soak-test-run/verdict.json')), 'soak() writes the same results folder');
});
