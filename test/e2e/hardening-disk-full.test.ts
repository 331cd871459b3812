// #18.3: the results filesystem fills up in the middle of a run. Contract: the probes stop,
// what was written is kept, exit 3, no orphaned simulator.
// As root the test mounts a small tmpfs and fills it while the run writes (the real thing:
// ENOSPC on every file, pino's log included). Elsewhere `ulimit -f` caps file sizes: writes past
// the cap fail with EFBIG (Node ignores SIGXFSZ), through the same write paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CLI } from '../helpers/cli.ts';
import { tempDir, writeScenario } from '../helpers/run.ts';
import { waitFor } from '../helpers/wait.ts';
import { alive } from '../helpers/alive.ts';

const scenario = `name: diskfull
duration: 1h
sampleInterval: 100ms
probes:
  binance: { kind: binance, options: { symbols: [BTCUSDT], streams: [trade] } }
simulators:
  binance: { rate: 20 }
`;

function tryMount(dir: string): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function fill(dir: string): void {
  const fd = openSync(path.join(dir, 'filler'), 'w');
  const block = Buffer.alloc(64 * 1024);
  try {
    for (let i = 0; i < 10_000; i++) writeSync(fd, block); // bounded: 640 MB > any tmpfs here
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    // the last pages too
    const small = Buffer.alloc(512);
    for (let i = 0; i < 1000; i++) {
      try {
        writeSync(fd, small);
      } catch {
        break;
      }
    }
  } finally {
    closeSync(fd);
  }
}


test('#18.3 a full disk mid-run: probes stopped, what was written kept, exit 3, no orphans', async () => {
  const dir = tempDir();
  const file = writeScenario(dir, scenario);
  const fsDir = path.join(dir, 'fs');
  execFileSync('mkdir', [fsDir]);
  const mounted = tryMount(fsDir);
  const out = path.join(fsDir, 'out');
  const argv = [CLI, 'run', file, '--out', out, '--metrics-port', '0', '--no-progress'];
  // Without a mount: every file capped at 64 KB (ulimit -f counts 1024-byte blocks).
  const child = mounted
    ? spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('bash', ['-c', 'ulimit -f 64; exec "$0" "$@"', process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let sims: number[] = [];
  try {
    await waitFor(() => existsSync(path.join(out, 'samples.ndjson')) && statSync(path.join(out, 'samples.ndjson')).size > 2000, { timeoutMs: 30_000, what: 'samples being written' });
    sims = execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' }).split('\n').map(Number).filter((n) => n > 0);
    assert.ok(sims.length >= 1, 'a simulator child');
    const written = statSync(path.join(out, 'samples.ndjson')).size;
    if (mounted) fill(fsDir);
    const code = await Promise.race([exited, new Promise<'hang'>((resolve) => setTimeout(() => resolve('hang'), 40_000).unref())]);
    assert.notEqual(code, 'hang', `the run did not end after the disk filled:\n${stderr.slice(-2000)}`);
    assert.equal(code, 3, stderr.slice(-2000));
    assert.match(stderr, /write failed \((ENOSPC|EFBIG)\)/);
    assert.doesNotMatch(stderr, /internal error/);
    // What was written before is kept, line for line.
    const kept = readFileSync(path.join(out, 'samples.ndjson'), 'utf8');
    assert.ok(kept.length >= written);
    for (const line of kept.split('\n').slice(0, -1)) JSON.parse(line);
    await waitFor(() => sims.every((pid) => !alive(pid)), { timeoutMs: 10_000, what: 'simulators to exit' });
  } finally {
    child.kill('SIGKILL');
    for (const pid of sims) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (mounted) execFileSync('umount', ['-l', fsDir]);
  }
});
