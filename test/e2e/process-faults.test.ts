import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { readNdjson, tempDir, writeScenario } from '../helpers/run.ts';

const scenario = `name: pf
duration: 1h
sampleInterval: 100ms
probes:
  idle: { kind: idle }
  leaky: { kind: leaky, options: { rate: 50KB } }
`;

function startedThen(action: (child: import('node:child_process').ChildProcess) => void, afterMs = 1000) {
  let fired = false;
  return (text: string, child: import('node:child_process').ChildProcess) => {
    if (!fired && /results in/.test(text)) {
      fired = true;
      setTimeout(() => action(child), afterMs);
    }
  };
}

test('SIGTERM stops gracefully like SIGINT: exit 130, partial verdict, every file', async () => {
  const dir = tempDir();
  const file = writeScenario(dir, scenario);
  const res = await runCli(['run', file, '--json', '--out', path.join(dir, 'out')], { onStderr: startedThen((c) => c.kill('SIGTERM')) });
  assert.equal(res.code, 130, res.stderr);
  assert.equal(JSON.parse(res.stdout).reason, 'interrupted');
  for (const f of ['verdict.json', 'report.html', 'run.json']) assert.ok(existsSync(path.join(dir, 'out', f)), f);
});

test('a second signal exits at once', async () => {
  const dir = tempDir();
  // A probe that ignores the stop message would hold the graceful stop for the whole grace period.
  const file = writeScenario(dir, scenario.replace('duration: 1h', 'duration: 1h\nstopGrace: 60s').replace('rate: 50KB', 'rate: 50KB, blockAfter: 100ms, blockFor: 30s'));
  const started = Date.now();
  const res = await runCli(['run', file, '--out', path.join(dir, 'out')], {
    onStderr: startedThen((c) => {
      c.kill('SIGINT');
      setTimeout(() => c.kill('SIGINT'), 300);
    }),
  });
  assert.equal(res.code, 130);
  assert.match(res.stderr, /second SIGINT: exiting at once/);
  assert.ok(Date.now() - started < 20_000);
});

test('kill -9: every NDJSON line parses except at most a truncated last one', async () => {
  const dir = tempDir();
  const file = writeScenario(dir, scenario);
  const res = await runCli(['run', file, '--out', path.join(dir, 'out')], { onStderr: startedThen((c) => c.kill('SIGKILL'), 1500) });
  assert.equal(res.signal, 'SIGKILL');
  for (const name of ['samples.ndjson', 'events.ndjson', 'log.ndjson']) {
    const lines = readFileSync(path.join(dir, 'out', name), 'utf8').split('\n');
    const last = lines.pop();
    assert.ok(last === '' || last !== undefined, name);
    for (const line of lines) JSON.parse(line);
  }
  assert.ok(readNdjson(path.join(dir, 'out', 'samples.ndjson')).length >= 10);
  // The seed's profile is rewritten atomically (#17 item 8): whole JSON even after kill -9.
  for (const probe of ['idle', 'leaky']) assert.ok(Array.isArray(JSON.parse(readFileSync(path.join(dir, 'out', `${probe}_soak_memory_profile.json`), 'utf8'))));
});

test('a results folder that cannot be created: exit 2 naming it, nothing started', async () => {
  const dir = tempDir();
  const file = writeScenario(dir, scenario);
  const res = await runCli(['run', file, '--out', path.join(file, 'inside-a-file')]);
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /inside-a-file: cannot create the results folder \(ENOTDIR\)/);
  assert.doesNotMatch(res.stderr, /run pf:/);
});

test('disk full while writing: a clear error, probes stopped cleanly, the rest written, exit 3', async () => {
  const dir = tempDir();
  const file = writeScenario(dir, scenario);
  const out = path.join(dir, 'out');
  mkdirSync(out);
  // Every write to /dev/full fails with ENOSPC, like a full disk.
  symlinkSync('/dev/full', path.join(out, 'samples.ndjson'));
  // --overwrite: the folder is not empty (#18.6); it writes through the symlink.
  const res = await runCli(['run', file, '--json', '--out', out, '--overwrite'], { timeoutMs: 30_000 });
  assert.equal(res.code, 3, res.stderr);
  assert.match(res.stderr, /samples\.ndjson: write failed \(ENOSPC\)/);
  const verdict = JSON.parse(res.stdout);
  assert.equal(verdict.reason, 'error');
  assert.ok(Object.values(verdict.probes as Record<string, { status: string }>).every((p) => p.status === 'stopped'));
  assert.ok(existsSync(path.join(out, 'verdict.json')));
});
