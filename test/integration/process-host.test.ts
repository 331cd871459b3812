// kind: process probes with real processes: the stdlib Python example against a real Binance
// simulator child, and small shell programs for crash, slow stop, attach and output limits.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bus } from '../../src/bus/bus.ts';
import type { ProbeEvent } from '../../src/bus/types.ts';
import { processProbeSchema } from '../../src/probes/validation/process.ts';
import { createProcessHost } from '../../src/supervisor/hosts/create.ts';
import { startSimulator, type RunningSimulator } from '../../src/supervisor/simulators.ts';
import { tempDir } from '../helpers/run.ts';
import { waitFor } from '../helpers/wait.ts';
import { freePort } from '../helpers/free-port.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLE = path.join(ROOT, 'examples/python-binance');
const MB = 1024 * 1024;

// The Python example is part of what this feature promises: no python3 is a failure, not a skip.
execFileSync('python3', ['--version']);

let sim: RunningSimulator;
before(async () => {
  sim = await startSimulator('binance', { seed: 1, options: { rate: 100 } });
});
after(async () => {
  await sim?.stop();
});


function host(name: string, spec: unknown, extra: { simulatorEndpoints?: Record<string, string> } = {}) {
  const bus = new Bus();
  const events: ProbeEvent[] = [];
  const logs: string[] = [];
  bus.on('event', (e) => events.push(e));
  bus.on('log', (l) => logs.push(`${l.level} ${l.msg}`));
  const resultsDir = tempDir('exsoak-process-');
  const h = createProcessHost({ name, bus, spec: processProbeSchema.parse(spec), baseDir: ROOT, resultsDir, ...extra });
  return { h, events, logs, resultsDir };
}

async function pythonClient(name: string, env: Record<string, string> = {}) {
  const port = await freePort();
  const t = host(
    name,
    {
      command: 'python3 client.py',
      cwd: 'examples/python-binance',
      simulator: 'binance',
      env: { METRICS_PORT: port, SYMBOLS: 'BTCUSDT,ETHUSDT', ...env },
      metrics: { url: `http://127.0.0.1:${port}/metrics`, counters: { messages: 'binance_messages_received_total', 'drops.unscheduled': 'binance_ws_drops_unscheduled_total' }, gauges: { lag_s: 'binance_last_message_age_seconds' } },
      events: 'stdout-ndjson',
      ready: { metrics: true, timeout: '15s' },
    },
    { simulatorEndpoints: sim.endpoints },
  );
  return t;
}

test('the Python example: ready on /metrics, counters scraped, NDJSON events, RSS of its own, graceful stop', async () => {
  assert.ok(existsSync(path.join(EXAMPLE, 'client.py')));
  const { h, events, resultsDir } = await pythonClient('pybinance');
  try {
    await h.start();
    assert.equal(h.status, 'running', `not running: ${JSON.stringify(h.error)} ${h.exit?.stderrTail.join('\n')}`);
    assert.ok(h.pid && h.pid !== process.pid);
    const first = await waitFor(async () => {
      const r = await h.read(2000);
      return r && (h.counters.messages ?? 0) > 20 ? r : undefined;
    }, { timeoutMs: 15_000, what: 'messages counted from /metrics' });
    // Python's own RSS, not ours: a stdlib interpreter is far smaller than this Node process.
    assert.ok(first.rss > 2 * MB && first.rss < process.memoryUsage.rss(), `rss ${first.rss}`);
    assert.equal(first.heapUsed, null);
    assert.equal(h.counters['drops.unscheduled'], 0);
    assert.equal(typeof h.gauges.lag_s, 'number');
    const connect = events.find((e) => e.kind === 'connect');
    assert.ok(connect, 'the client\'s NDJSON connect event is on the bus');
    assert.deepEqual(connect!.data, { streams: ['btcusdt@trade', 'ethusdt@trade'] });
    assert.equal(h.counters['events.connect'], 1);
    const t0 = Date.now();
    await h.stop('end of test', 5_000);
    assert.ok(Date.now() - t0 < 4_000, 'SIGTERM is handled: no SIGKILL needed');
    assert.equal(h.status, 'stopped');
    const exit = events.find((e) => e.kind === 'exit');
    assert.equal(exit?.data?.code, 0);
    assert.equal(exit?.data?.signal, null);
    assert.ok((exit?.data?.counters as Record<string, number>).messages! > 20);
    const stdout = readFileSync(path.join(resultsDir, 'pybinance.stdout.log'), 'utf8');
    assert.match(stdout, /"event": "stopped"/);
    assert.match(readFileSync(path.join(resultsDir, 'pybinance.stderr.log'), 'utf8'), /metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/);
    assert.equal(statSync(path.join(resultsDir, 'pybinance.stdout.log')).mode & 0o777, 0o600);
  } finally {
    await h.stop('cleanup', 1000);
  }
});

test('the Python example with its leak switched on: its RSS grows measurably', async () => {
  const { h } = await pythonClient('pyleak', { LEAK_BYTES: '65536' });
  try {
    await h.start();
    assert.equal(h.status, 'running', JSON.stringify(h.error));
    const first = (await waitFor(() => h.read(2000), { what: 'a first reading' }))!;
    // ~200 msg/s × 64 KB retained: tens of MB within seconds, far above interpreter noise.
    const grown = await waitFor(async () => {
      const r = await h.read(2000);
      return r && r.rss - first.rss > 30 * MB ? r : undefined;
    }, { timeoutMs: 15_000, intervalMs: 250, what: 'RSS to grow by 30 MB' });
    assert.ok(grown.rss > first.rss);
  } finally {
    await h.stop('end of test', 3000);
  }
});

test('a crash fails the probe with its exit code and the last stderr lines', async () => {
  const { h, events } = host('crasher', { command: ['sh', '-c', `i=0; while [ $i -lt 60 ]; do echo "line $i" >&2; i=$((i+1)); done; echo 'Traceback: boom' >&2; exit 3`] });
  await h.start();
  const crash = await waitFor(() => events.find((e) => e.kind === 'crash'), { what: 'a crash event' });
  assert.equal(h.status, 'crashed');
  assert.equal(crash.data?.code, 3);
  assert.equal(crash.data?.signal, null);
  assert.equal(crash.data?.error, 'exited with code 3');
  const tail = crash.data?.stderrTail as string[];
  assert.equal(tail.length, 50);
  assert.equal(tail.at(-1), 'Traceback: boom');
  assert.equal(tail[0], 'line 11');
  assert.deepEqual(h.exit, { code: 3, signal: null, stderrTail: tail });
  assert.equal(await h.read(500), undefined);
  await h.stop('after crash', 1000);
});

test('a child that ignores SIGTERM is SIGKILLed with its whole process group after the grace period', async () => {
  const { h, events, logs, resultsDir } = host('stubborn', { command: ['sh', '-c', `trap '' TERM; sleep 60 & echo child $!; echo ready; wait`], ready: { line: 'ready', timeout: '5s' } });
  await h.start();
  assert.equal(h.status, 'running');
  // The log file is opened by a write stream, so it can appear a moment after the ready line.
  const stdoutLog = path.join(resultsDir, 'stubborn.stdout.log');
  const grandchild = await waitFor(() => (existsSync(stdoutLog) ? Number(/child (\d+)/.exec(readFileSync(stdoutLog, 'utf8'))?.[1]) || undefined : undefined), { what: 'the grandchild pid' });
  assert.ok(existsSync(`/proc/${grandchild}`));
  const t0 = Date.now();
  await h.stop('end of test', 400);
  const took = Date.now() - t0;
  assert.ok(took >= 400, `waited the grace period (${took} ms)`);
  assert.equal(h.exit?.signal, 'SIGKILL');
  assert.equal(h.status, 'stopped');
  assert.ok(logs.some((l) => /did not stop within 400 ms of SIGTERM; sending SIGKILL/.test(l)));
  assert.equal(events.find((e) => e.kind === 'exit')?.data?.signal, 'SIGKILL');
  await waitFor(() => !existsSync(`/proc/${grandchild}`) || /\) Z /.test(readFileSync(`/proc/${grandchild}/stat`, 'utf8')), { what: 'the grandchild to be killed too' });
});

test('attach to a PID: measured, never signalled, and its disappearance fails the probe', async () => {
  const victim = spawn('sleep', ['30'], { stdio: 'ignore' });
  const survivor = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    const a = host('attached', { pid: victim.pid });
    await a.h.start();
    assert.equal(a.h.status, 'running');
    const r = await a.h.read(2000);
    assert.ok(r && r.rss > 0);
    victim.kill('SIGKILL');
    const crash = await waitFor(() => a.events.find((e) => e.kind === 'crash'), { what: 'a crash event for the vanished pid' });
    assert.match(String(crash.data?.error), new RegExp(`attached process ${victim.pid} disappeared`));
    assert.equal(a.h.status, 'crashed');

    const b = host('kept', { pid: survivor.pid });
    await b.h.start();
    await b.h.stop('end of test', 100);
    assert.equal(b.h.status, 'stopped');
    assert.equal(survivor.exitCode, null);
    assert.equal(survivor.signalCode, null);
    assert.ok(existsSync(`/proc/${survivor.pid}`), 'stopping an attached probe leaves the process alone');

    const c = host('ghost', { pid: 2 ** 22 + 7 });
    await c.h.start();
    assert.equal(c.h.status, 'crashed');
    assert.match(c.h.error!.message, /does not exist/);
  } finally {
    victim.kill('SIGKILL');
    survivor.kill('SIGKILL');
  }
});

test('a missing binary is an error naming the command before anything starts', () => {
  assert.throws(() => host('nobin', { command: ['no-such-python-client', '-m', 'bot'] }), /command "no-such-python-client": not found on PATH/);
  assert.throws(() => host('norel', { command: './nope.sh', cwd: 'examples/python-binance' }), /command "\.\/nope\.sh": .*examples\/python-binance\/nope\.sh does not exist/);
});

test('readiness that never comes fails the probe and stops the child', async () => {
  const { h, events } = host('silent', { command: ['sleep', '30'], ready: { line: 'connected', timeout: '300ms' } });
  await h.start();
  assert.equal(h.status, 'crashed');
  const crash = await waitFor(() => events.find((e) => e.kind === 'crash'), { what: 'a crash event' });
  assert.match(String(crash.data?.error), /not ready within 300 ms \(waited for a line containing "connected"\)/);
  assert.equal(crash.data?.signal, 'SIGTERM');
});

test('NDJSON events become bus events and drop counters; output logs are bounded', async () => {
  const script = [
    `echo '{"event":"connect"}'`,
    `echo '{"event":"disconnect","scheduled":false,"code":1006}'`,
    `echo '{"event":"disconnect","scheduled":true,"code":1001}'`,
    `echo '{"event":"disconnect","scheduled":false,"code":1011}'`,
    `echo '{"counters":{"messages":42},"gauges":{"lag_ms":7}}'`,
    `echo 'not json'`,
    `head -c 5000 /dev/zero | tr '\\0' x`,
    `echo; echo done`,
  ].join('; ');
  const { h, events, resultsDir } = host('ndjson', { command: ['sh', '-c', script], events: 'stdout-ndjson', logLimit: 1000, expectExit: true });
  await h.start();
  await waitFor(() => events.find((e) => e.kind === 'exit'), { what: 'the exit event' });
  assert.equal(h.status, 'stopped', 'exit code 0 of a program expected to finish is not a crash (#26.2)');
  const drops = events.filter((e) => e.kind === 'disconnect');
  assert.deepEqual(drops.map((e) => e.data), [
    { scheduled: false, code: 1006 },
    { scheduled: true, code: 1001 },
    { scheduled: false, code: 1011 },
  ]);
  assert.equal(h.counters['drops.unscheduled'], 2);
  assert.equal(h.counters['drops.scheduled'], 1);
  assert.equal(h.counters.messages, 42);
  assert.equal(h.gauges.lag_ms, 7);
  await h.stop('end', 100);
  const log = readFileSync(path.join(resultsDir, 'ndjson.stdout.log'), 'utf8');
  assert.ok(log.length < 1200, `bounded: ${log.length}`);
  assert.match(log, /\[exsoak: output truncated at 1000 bytes; the rest was discarded\]\n$/);
  assert.doesNotMatch(log, /done/);
});

test('SIGINT to the supervisor: the child (its own process group) is stopped gracefully, its output kept, exit 130', async () => {
  const resultsDir = tempDir('exsoak-sigint-');
  // The child says goodbye on SIGTERM: proof it was stopped gracefully, not killed.
  const script = `trap 'echo graceful-bye; exit 0' TERM; echo ready; while :; do sleep 0.05; done`;
  const sup = spawn(process.execPath, [path.join(ROOT, 'test/fixtures/process-sigint.ts'), resultsDir, script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  sup.stdout!.on('data', (d: Buffer) => (out += d));
  sup.stderr!.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<number | null>((resolve) => sup.on('exit', (code) => resolve(code)));
  try {
    const childPid = await waitFor(() => Number(/started (\d+)/.exec(out)?.[1]) || undefined, { timeoutMs: 15_000, what: `the child to start: ${out}` });
    sup.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000))]);
    assert.equal(code, 130, out);
    assert.match(out, /event exit \{"code":0,"signal":null/);
    assert.match(readFileSync(path.join(resultsDir, 'child.stdout.log'), 'utf8'), /graceful-bye/);
    assert.ok(!existsSync(`/proc/${childPid}`) || /\) Z /.test(readFileSync(`/proc/${childPid}/stat`, 'utf8')));
  } finally {
    sup.kill('SIGKILL');
  }
});
