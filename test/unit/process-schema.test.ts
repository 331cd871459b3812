import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processProbeSchema } from '../../src/probes/validation/process.ts';
import { resolveExecutable, simulatorEnv, splitCommand, checkProcessProbe } from '../../src/probes/process-spec.ts';
import { tempDir } from '../helpers/run.ts';

function issues(input: unknown): string[] {
  const parsed = processProbeSchema.safeParse(input);
  assert.equal(parsed.success, false, 'expected the spec to be refused');
  return parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

test('a command string is split like a shell would, without a shell', () => {
  assert.deepEqual(splitCommand(`python3 -m bot.stream --name "my bot" 'a b' c\\ d`), ['python3', '-m', 'bot.stream', '--name', 'my bot', 'a b', 'c d']);
  assert.deepEqual(splitCommand('echo $HOME'), ['echo', '$HOME'], 'no expansion');
  assert.throws(() => splitCommand('a | b'), /shell syntax "\|" is not supported.*argv as an array/);
  assert.throws(() => splitCommand('a > out'), /">" is not supported/);
});

test('the schema takes argv arrays and strings, defaults tree/node, and parses durations', () => {
  const spec = processProbeSchema.parse({ command: 'python3 -m bot', ready: { line: 'connected', timeout: '5s' }, env: { LOG_LEVEL: 'INFO', N: 3 } });
  assert.deepEqual(spec.command, ['python3', '-m', 'bot']);
  assert.equal(spec.tree, true);
  assert.equal(spec.node, false);
  assert.equal(spec.ready!.timeout, 5000);
  assert.deepEqual(spec.env, { LOG_LEVEL: 'INFO', N: '3' });
  const withMetrics = processProbeSchema.parse({ command: ['x'], metrics: { url: 'http://127.0.0.1:9100/metrics', counters: { messages: 'm_total' } }, ready: { metrics: true } });
  assert.equal(withMetrics.metrics!.timeout, 2000);
  assert.deepEqual(withMetrics.metrics!.gauges, {});
});

test('bad specs are refused with the key named', () => {
  assert.match(issues({})[0]!, /^command: expected exactly one of "command".*or "pid"/);
  assert.match(issues({ command: ['a'], pid: 3 })[0]!, /^command: expected exactly one/);
  assert.match(issues({ pid: 3, cwd: 'x' })[0]!, /^cwd: not available with "pid"/);
  assert.match(issues({ pid: 3, node: true })[0]!, /^node: not available with "pid"/);
  assert.match(issues({ command: [] })[0]!, /^command: expected at least the program/);
  assert.match(issues({ command: 'a && b' })[0]!, /^command: shell syntax "&&"/);
  assert.match(issues({ command: ['a'], ready: { metrics: true } })[0]!, /^ready\.metrics: needs "metrics\.url"/);
  assert.match(issues({ command: ['a'], ready: { timeout: '1s' } })[0]!, /^ready: expected exactly one of/);
  assert.match(issues({ command: ['a'], ready: { line: 'x', timeout: 'soon' } })[0]!, /^ready\.timeout: /);
  assert.match(issues({ command: ['a'], metrics: { url: 'ftp://x/metrics' } })[0]!, /^metrics\.url: expected an http:\/\/ URL/);
  assert.match(issues({ command: ['a'], metrics: { url: 'http://x/metrics', counters: { messages: 'has space' } } })[0]!, /^metrics\.counters\.messages: expected a Prometheus metric name/);
  assert.match(issues({ command: ['a'], simulator: 'kraken' })[0]!, /^simulator: /);
  assert.match(issues({ command: ['a'], events: 'stderr' })[0]!, /^events: /);
  assert.match(issues({ command: ['a'], bogus: 1 }).join(), /bogus/);
});

test('the program resolves on PATH or relative to cwd, and a missing one names the command', () => {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'bin'));
  const script = path.join(dir, 'bin', 'client.sh');
  writeFileSync(script, '#!/bin/sh\n');
  chmodSync(script, 0o755);
  writeFileSync(path.join(dir, 'bin', 'not-exec'), '');
  assert.equal(resolveExecutable('client.sh', dir, path.join(dir, 'bin')), script);
  assert.equal(resolveExecutable('./bin/client.sh', dir), script);
  assert.equal(resolveExecutable('sh', dir), resolveExecutable('sh', '/'));
  assert.throws(() => resolveExecutable('no-such-client-xyz', dir, '/usr/bin:/bin'), /command "no-such-client-xyz": not found on PATH \(\/usr\/bin:\/bin\)/);
  assert.throws(() => resolveExecutable('./bin/not-exec', dir), /command "\.\/bin\/not-exec": .* is not an executable file/);
  const spec = processProbeSchema.parse({ command: ['./client.sh'], cwd: 'bin' });
  assert.equal(checkProcessProbe(spec, dir)!.executable, script);
  assert.throws(() => checkProcessProbe(processProbeSchema.parse({ command: ['x'], cwd: 'nowhere' }), dir), /cwd "nowhere": .* is not a directory/);
});

test('simulator: exports only that simulator\'s endpoints', () => {
  assert.deepEqual(simulatorEnv('binance', { ws: 'ws://127.0.0.1:1', rest: 'http://127.0.0.1:1' }), { EXSOAK_BINANCE_WS: 'ws://127.0.0.1:1', EXSOAK_BINANCE_REST: 'http://127.0.0.1:1' });
  assert.deepEqual(simulatorEnv('bitunix', { rest: 'http://h', wsPublic: 'ws://h/public/', wsPrivate: 'ws://h/private/' }), {
    EXSOAK_BITUNIX_REST: 'http://h',
    EXSOAK_BITUNIX_WS_PUBLIC: 'ws://h/public/',
    EXSOAK_BITUNIX_WS_PRIVATE: 'ws://h/private/',
  });
  assert.deepEqual(simulatorEnv(undefined, { ws: 'x' }), {});
});
