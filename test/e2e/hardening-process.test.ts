// #18 hardening: what the CLI does as a process — long durations, signals, orphans, --out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLI, runCli } from '../helpers/cli.ts';
import { tempDir, writeScenario } from '../helpers/run.ts';
import { waitFor } from '../helpers/wait.ts';
import { alive, groupAlive } from '../helpers/alive.ts';

const control = (duration = '2s') => `name: hard
duration: ${duration}
sampleInterval: 250ms
probes:
  idle: { kind: idle }
`;

function startCli(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args, '--metrics-port', '0', '--no-progress'], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, stderr: () => stderr };
}


function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
  } catch {
    return [];
  }
}

test('#18.1 timers overflow: --duration 1000h keeps running; SIGINT ends it with 130 and every file', async () => {
  const dir = tempDir();
  const file = writeScenario(dir, control());
  const out = path.join(dir, 'out');
  const run = startCli(['run', file, '--duration', '1000h', '--out', out]);
  try {
    await waitFor(() => existsSync(path.join(out, 'samples.ndjson')) && readFileSync(path.join(out, 'samples.ndjson'), 'utf8').split('\n').length > 3, { timeoutMs: 20_000, what: 'samples' });
    // On main the 2^31 overflow ended this run after ~1 ms with PASS: it must still be running
    // after several sample intervals.
    const t0 = Date.now();
    await waitFor(() => Date.now() - t0 > 2500, { timeoutMs: 5000 });
    assert.equal(run.child.exitCode, null, `ended early: ${run.stderr()}`);
    const samples = readFileSync(path.join(out, 'samples.ndjson'), 'utf8').trim().split('\n').length;
    // sampleInterval 250ms: samples come at that pace, not every millisecond.
    assert.ok(samples < 60, `${samples} samples`);
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    assert.equal(code, 130, run.stderr());
    const verdict = JSON.parse(readFileSync(path.join(out, 'verdict.json'), 'utf8'));
    assert.equal(verdict.reason, 'interrupted');
    assert.ok(existsSync(path.join(out, 'report.html')));
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('#18.1 timers overflow: durations above 365 days are exit 2 naming the key or flag', async () => {
  const dir = tempDir();
  const file = writeScenario(dir, control('366d'));
  let res = await runCli(['run', file, '--out', path.join(dir, 'a')]);
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /duration: expected a duration of at most 365d/);
  res = await runCli(['run', writeScenario(dir, control(), 'ok.yaml'), '--sample-interval', '400d', '--out', path.join(dir, 'b')]);
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /--sample-interval: expected a duration of at most 365d/);
  assert.ok(!existsSync(path.join(dir, 'a')) && !existsSync(path.join(dir, 'b')), 'nothing started');
});

test('#18.5 orphaned simulators: kill -9 of the supervisor takes its simulators down', async () => {
  const dir = tempDir();
  const file = writeScenario(dir, `name: orphan
duration: 1h
sampleInterval: 500ms
probes:
  binance: { kind: binance, options: { symbols: [BTCUSDT], streams: [trade] } }
simulators:
  binance: { rate: 5 }
`);
  const run = startCli(['run', file, '--out', path.join(dir, 'out')]);
  try {
    await waitFor(() => /binance simulator at/.test(run.stderr()), { timeoutMs: 30_000, what: 'the simulator' });
    const sims = childrenOf(run.child.pid!);
    assert.ok(sims.length >= 1, 'a simulator child');
    run.child.kill('SIGKILL');
    await run.exited;
    await waitFor(() => sims.every((pid) => !alive(pid)), { timeoutMs: 10_000, what: `simulators ${sims.join(',')} to exit` });
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('#18.5 orphaned programs: kill -9 of the supervisor takes a process probe\'s program group down, SIGKILL after stopGrace for one that ignores SIGTERM', async () => {
  const dir = tempDir();
  const file = writeScenario(dir, `name: orphan-programs
duration: 1h
sampleInterval: 500ms
stopGrace: 1s
probes:
  polite: { kind: process, command: [sh, -c, "sleep 300 & wait"] }
  stubborn: { kind: process, command: [sh, -c, "trap '' TERM; while true; do sleep 1; done"] }
`);
  const out = path.join(dir, 'out');
  const run = startCli(['run', file, '--out', out]);
  const groups: number[] = [];
  try {
    await waitFor(
      () => {
        const events = existsSync(path.join(out, 'events.ndjson')) ? readFileSync(path.join(out, 'events.ndjson'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; data?: { pid?: number } }) : [];
        groups.splice(0, groups.length, ...events.filter((e) => e.kind === 'start' && typeof e.data?.pid === 'number').map((e) => e.data!.pid!));
        return groups.length === 2;
      },
      { timeoutMs: 30_000, what: 'both programs started' },
    );
    // Each program leads its own process group (the polite one's sleep is a member).
    assert.ok(groups.every(groupAlive));
    run.child.kill('SIGKILL');
    await run.exited;
    await waitFor(() => groups.every((g) => !groupAlive(g)), { timeoutMs: 15_000, what: `process groups ${groups.join(', ')} to be gone` });
  } finally {
    run.child.kill('SIGKILL');
    for (const g of groups) {
      try {
        process.kill(-g, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
  }
});

test('#18.5 orphaned simulators: two quick SIGINTs exit at once and take the simulators down', async () => {
  const dir = tempDir();
  const file = writeScenario(dir, `name: orphan2
duration: 1h
sampleInterval: 500ms
probes:
  binance: { kind: binance, options: { symbols: [BTCUSDT], streams: [trade] } }
`);
  const run = startCli(['run', file, '--out', path.join(dir, 'out')]);
  try {
    await waitFor(() => /binance simulator at/.test(run.stderr()), { timeoutMs: 30_000, what: 'the simulator' });
    const sims = childrenOf(run.child.pid!);
    assert.ok(sims.length >= 1);
    run.child.kill('SIGINT');
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    assert.equal(code, 130);
    await waitFor(() => sims.every((pid) => !alive(pid)), { timeoutMs: 10_000, what: 'simulators to exit' });
  } finally {
    run.child.kill('SIGKILL');
  }
});

test('#18.6 --out reuses a folder: a non-empty folder is exit 2 unless --overwrite', async () => {
  const dir = tempDir();
  const file = writeScenario(dir, control('1s'));
  const out = path.join(dir, 'out');
  let res = await runCli(['run', file, '--out', out]);
  assert.equal(res.code, 0, res.stderr);
  const first = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')).startedAt;
  res = await runCli(['run', file, '--out', out]);
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /--out .*out: the folder is not empty.*--overwrite/);
  assert.equal(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')).startedAt, first, 'first run untouched');
  res = await runCli(['run', file, '--out', out, '--overwrite']);
  assert.equal(res.code, 0, res.stderr);
  // One run's profile: a single JSON array, not two concatenated.
  assert.ok(Array.isArray(JSON.parse(readFileSync(path.join(out, 'idle_soak_memory_profile.json'), 'utf8'))));
  // --overwrite truncates what a run writes and deletes nothing else.
  const other = path.join(dir, 'mine');
  mkdirSync(other);
  writeFileSync(path.join(other, 'precious.txt'), 'x');
  res = await runCli(['run', file, '--out', other, '--overwrite']);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(readFileSync(path.join(other, 'precious.txt'), 'utf8'), 'x');
});

test('#18.11 --out /proc is exit 2 at once, not a spinning mkdir', async () => {
  const dir = tempDir();
  const file = writeScenario(dir, control('1s'));
  const res = await runCli(['run', file, '--out', '/proc/exsoak-out'], { timeoutMs: 15_000 });
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /\/proc\/exsoak-out: cannot create the results folder/);
});
