// `kind: process` through the CLI with real processes: the stdlib Python example healthy and
// leaking (beside a real Bitunix worker probe), counters from /metrics with a reset, a crash, a
// slow stop, a missing binary, an attached PID that dies, SIGINT, and a Node child's heap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sample, ProbeEvent } from '../../src/bus/types.ts';
import type { Verdict } from '../../src/bus/verdict.ts';
import { runCli } from '../helpers/cli.ts';
import { readNdjson, tempDir, writeScenario } from '../helpers/run.ts';
import { waitFor } from '../helpers/wait.ts';
import { freePort } from '../helpers/free-port.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PYTHON_EXAMPLE = path.join(ROOT, 'examples/python-binance');
const NODE_EXAMPLE = path.join(ROOT, 'examples/node-child');
const FIXTURES = path.join(ROOT, 'test/fixtures');

// The Python example is part of what this feature promises: no python3 is a failure, not a skip.
execFileSync('python3', ['--version']);


async function pythonProbe(env: Record<string, string | number> = {}) {
  const port = await freePort();
  return {
    kind: 'process',
    command: ['python3', 'client.py'],
    cwd: PYTHON_EXAMPLE,
    simulator: 'binance',
    env: { METRICS_PORT: port, SYMBOLS: 'BTCUSDT,ETHUSDT,BNBUSDT', ...env },
    metrics: {
      url: `http://127.0.0.1:${port}/metrics`,
      counters: { messages: 'binance_messages_received_total', 'drops.unscheduled': 'binance_ws_drops_unscheduled_total' },
      gauges: { lag_s: 'binance_last_message_age_seconds' },
    },
    events: 'stdout-ndjson',
    ready: { metrics: true, timeout: '20s' },
    // The 24 h seed's criteria (python-binance-soak.yaml).
    thresholds: ['msg_rate.avg > 10', 'drops.unscheduled < 10', 'rss_mb.max < 450', 'rss_mb.growth < 50'],
  };
}

async function run(scenario: Record<string, unknown>, extra: { args?: string[]; onStderr?: (text: string, child: import("node:child_process").ChildProcess) => void; timeoutMs?: number } = {}) {
  const dir = tempDir('exsoak-proc-e2e-');
  const file = writeScenario(dir, { name: 'proc', sampleInterval: '250ms', gcFloorInterval: '500ms', ...scenario });
  const out = path.join(dir, 'out');
  const res = await runCli(['run', file, '--json', '--no-progress', '--out', out, ...(extra.args ?? [])], { timeoutMs: extra.timeoutMs ?? 60_000, onStderr: extra.onStderr });
  const verdict = res.stdout.trim() ? (JSON.parse(res.stdout) as Verdict) : undefined;
  const samples = () => readNdjson<Sample>(path.join(out, 'samples.ndjson'));
  const events = () => readNdjson<ProbeEvent>(path.join(out, 'events.ndjson'));
  return { res, verdict, out, dir, samples, events };
}

function criterion(verdict: Verdict, probe: string, expr: string) {
  const c = verdict.probes[probe]!.criteria.find((x) => x.expr === expr);
  assert.ok(c, `${probe}: no criterion "${expr}" in ${JSON.stringify(verdict.probes[probe]!.criteria)}`);
  return c!;
}

test('the Python example passes healthy: its own RSS and CPU, msg_rate and drops from its /metrics, its output kept', async () => {
  const { res, verdict, out, samples } = await run({ duration: '6s', probes: { pybinance: await pythonProbe() } });
  assert.equal(res.code, 0, res.stderr);
  const p = verdict!.probes.pybinance!;
  assert.equal(p.pass, true, JSON.stringify(p));
  assert.equal(p.kind, 'process');
  assert.ok((criterion(verdict!, 'pybinance', 'msg_rate.avg > 10').value as number) > 10);
  assert.equal(criterion(verdict!, 'pybinance', 'drops.unscheduled < 10').value, 0);
  assert.equal(p.leak?.series, 'rss_mb');
  const own = samples().filter((s) => s.probe === 'pybinance');
  const supervisor = samples().filter((s) => s.probe === 'process');
  assert.ok(own.length >= 5);
  // The interpreter's own RSS, not the supervisor's: a stdlib Python is far smaller than Node.
  for (const s of own) {
    assert.equal(s.ownProcess, true);
    assert.equal(s.heapUsed, null);
    assert.equal(s.elu, null);
    assert.ok(s.rss > 2 * 2 ** 20 && s.rss < supervisor.at(-1)!.rss, `rss ${s.rss}`);
  }
  assert.ok(own.at(-1)!.counters.messages! > 30, 'the /metrics counter is in the samples');
  assert.match(readFileSync(path.join(out, 'pybinance.stdout.log'), 'utf8'), /"event": "connect"/);
  assert.match(readFileSync(path.join(out, 'pybinance.stderr.log'), 'utf8'), /metrics on http:\/\/127\.0\.0\.1/);
});

test('with its leak switched on the run fails: leak confirmed on RSS and blamed on the Python probe, the Bitunix worker beside it passes', async () => {
  const { res, verdict, events } = await run({
    duration: '14s',
    // The seed's budget (50 MB) over the seed's 24 h, as in python-binance-soak.yaml.
    nominalDuration: '24h',
    leak: { warmup: '2s' },
    probes: {
      pybinance: await pythonProbe({ LEAK_BYTES: 16384 }),
      bitunix: { kind: 'bitunix', options: { symbol: 'BTCUSDT', tick: '1s', offset: 0.0005 }, thresholds: ['rss_mb.max < 450'] },
    },
  });
  assert.equal(res.code, 1, res.stderr);
  const py = verdict!.probes.pybinance!;
  assert.equal(py.pass, false);
  assert.equal(py.leak?.status, 'confirmed', JSON.stringify(py.leak));
  assert.equal(py.leak?.series, 'rss_mb');
  assert.ok(py.leak!.lowMbPerH! > 0);
  assert.equal(criterion(verdict!, 'pybinance', 'no confirmed leak').pass, false);
  assert.equal(verdict!.probes.bitunix!.pass, true, JSON.stringify(verdict!.probes.bitunix));
  assert.notEqual(verdict!.probes.bitunix!.leak?.status, 'confirmed');
  assert.ok(events().some((e) => e.kind === 'leak' && e.probe === 'pybinance' && e.data?.status === 'confirmed'));
  // No V8 heap in a Python process: the snapshot is skipped, not failed.
  assert.ok(!events().some((e) => e.kind === 'snapshot-failed'));
  assert.match(res.stderr, /RSS trend \(confirmed\)/);
});

test('counters scraped from /metrics drive msg_rate and the drop thresholds, across a counter reset', async () => {
  const port = await freePort();
  const { res, verdict, samples, events } = await run({
    duration: '5s',
    probes: {
      app: {
        kind: 'process',
        command: ['python3', path.join(FIXTURES, 'prom-counters.py')],
        env: { METRICS_PORT: port, RESET_AFTER: 2, DROPS: 12 },
        metrics: { url: `http://127.0.0.1:${port}/metrics`, counters: { messages: 'app_messages', 'drops.unscheduled': 'app_drops_total' } },
        ready: { line: 'serving', timeout: '10s' },
        thresholds: ['msg_rate.avg > 10', 'drops.unscheduled < 10'],
      },
    },
  });
  assert.equal(res.code, 1, res.stderr);
  const rate = criterion(verdict!, 'app', 'msg_rate.avg > 10');
  assert.equal(rate.pass, true);
  // 40 msg/s by the client's clock; the reset must neither make it negative nor lose the total.
  assert.ok((rate.value as number) > 20 && (rate.value as number) < 60, `msg_rate.avg ${rate.value}`);
  const drops = criterion(verdict!, 'app', 'drops.unscheduled < 10');
  assert.deepEqual([drops.value, drops.pass], [12, false]);
  const counts = samples().filter((s) => s.probe === 'app').map((s) => s.counters.messages ?? 0);
  for (let i = 1; i < counts.length; i++) assert.ok(counts[i]! >= counts[i - 1]!, `monotonic across the reset: ${counts.join(',')}`);
  assert.ok(counts.at(-1)! > 40 * 2.5, `the total keeps what came before the reset: ${counts.at(-1)}`);
  assert.ok(events().length > 0);
  assert.match(readFileSync(path.join(path.dirname(samplesFile(res)), 'log.ndjson'), 'utf8'), /counter reset/);
});

function samplesFile(res: { stderr: string }): string {
  const dir = /results: (\S+)/.exec(res.stderr)?.[1];
  assert.ok(dir, res.stderr);
  return path.join(dir!, 'samples.ndjson');
}

test('a crash fails only that probe: exit code and the last 50 stderr lines in the verdict, the other probe runs to the end', async () => {
  const script = `i=0; while [ $i -lt 60 ]; do echo "line $i" >&2; i=$((i+1)); done; echo 'Traceback: boom' >&2; sleep 0.5; exit 3`;
  const { res, verdict, samples } = await run({
    duration: '3s',
    probes: { crasher: { kind: 'process', command: ['sh', '-c', script] }, idle: { kind: 'idle' } },
  });
  assert.equal(res.code, 1, res.stderr);
  const c = verdict!.probes.crasher!;
  assert.equal(c.pass, false);
  assert.equal(c.status, 'crashed');
  assert.deepEqual(c.exit, { code: 3, signal: null });
  assert.equal(c.stderrTail!.length, 50);
  assert.equal(c.stderrTail!.at(-1), 'Traceback: boom');
  assert.equal(criterion(verdict!, 'crasher', 'no crash').value, 'exited with code 3');
  assert.equal(verdict!.probes.idle!.pass, true);
  assert.equal(verdict!.reason, 'completed');
  // The idle worker was sampled until the end of the run, long after the crash.
  const idle = samples().filter((s) => s.probe === 'idle');
  assert.ok(idle.at(-1)!.t - idle[0]!.t > 2000);
  assert.match(res.stderr, /Traceback: boom/);
});

test('a child that ignores SIGTERM is SIGKILLed with its process group after stopGrace', async () => {
  const { res, verdict, out, events } = await run({
    duration: '1500ms',
    stopGrace: '1s',
    probes: { stubborn: { kind: 'process', command: ['sh', '-c', `trap '' TERM; sleep 60 & echo child $!; echo ready; wait`], ready: { line: 'ready', timeout: '5s' } } },
  });
  assert.equal(res.code, 0, res.stderr);
  assert.equal(verdict!.probes.stubborn!.status, 'stopped');
  const grandchild = Number(/child (\d+)/.exec(readFileSync(path.join(out, 'stubborn.stdout.log'), 'utf8'))?.[1]);
  assert.ok(grandchild > 0);
  await waitFor(() => !existsSync(`/proc/${grandchild}`) || readFileSync(`/proc/${grandchild}/stat`, 'utf8').split(') ')[1]!.startsWith('Z'), { timeoutMs: 5000, what: 'the grandchild to be gone' });
  const exit = events().find((e) => e.probe === 'stubborn' && e.kind === 'exit');
  assert.equal(exit?.data?.signal, 'SIGKILL');
  assert.match(readFileSync(path.join(out, 'log.ndjson'), 'utf8'), /did not stop within 1000 ms of SIGTERM/);
});

test('a missing binary is exit 2 before anything starts, naming the command', async () => {
  const { res, out } = await run({ duration: '5s', probes: { ghost: { kind: 'process', command: 'no-such-program-exsoak --flag' } } });
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /probes\.ghost\.command: command "no-such-program-exsoak": not found on PATH/);
  assert.equal(existsSync(out), false, 'nothing was started');
});

test("a process probe's metrics port equal to exsoak's own is exit 2 naming both and --metrics-port", async () => {
  const dir = tempDir('exsoak-proc-e2e-');
  const file = writeScenario(dir, {
    name: 'clash',
    duration: '5s',
    probes: { seed: { kind: 'process', command: ['sh', '-c', 'sleep 5'], metrics: { url: 'http://localhost:9091/metrics', counters: { messages: 'binance_messages_received_total' } } } },
  });
  const res = await runCli(['run', file, '--metrics-port', '9091', '--out', path.join(dir, 'out')]);
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /probes\.seed\.metrics\.url: http:\/\/localhost:9091\/metrics is on port 9091, which is also exsoak's own metrics port/);
  assert.match(res.stderr, /--metrics-port/);
  // The way out works.
  const ok = await runCli(['run', file, '--metrics-port', '0', '--duration', '500ms', '--allow-inconclusive', '--out', path.join(dir, 'out2')]);
  assert.equal(ok.code, 0, ok.stderr);
});

test('an attached PID that disappears is a failed probe, not a supervisor error; it is never signalled', async () => {
  // It ends when told (its stdin closed) once exsoak samples it: a fixed lifetime would race
  // exsoak's own start-up on a busy machine ("does not exist" instead of "disappeared").
  const target = spawn('sh', ['-c', 'trap "echo got TERM" TERM; read line; echo done'], { stdio: ['pipe', 'pipe', 'ignore'] });
  let said = '';
  target.stdout.on('data', (d: Buffer) => (said += d));
  let told = false;
  const endOnceSampled = (text: string) => {
    const dir = /results in (\S+)/.exec(text)?.[1];
    if (told || !dir) return;
    told = true;
    const samples = path.join(dir, 'samples.ndjson');
    void waitFor(() => existsSync(samples) && readFileSync(samples, 'utf8').includes('"probe":"attached"'), { timeoutMs: 30_000, what: 'a sample of the attached process' }).then(() => target.stdin.end());
  };
  try {
    const { res, verdict } = await run({ duration: '6s', probes: { attached: { kind: 'process', pid: target.pid }, idle: { kind: 'idle' } } }, { onStderr: endOnceSampled });
    assert.equal(res.code, 1, res.stderr);
    const a = verdict!.probes.attached!;
    assert.equal(a.status, 'crashed');
    assert.match(a.error!, new RegExp(`attached process ${target.pid} disappeared`));
    assert.equal(verdict!.probes.idle!.pass, true);
    assert.equal(verdict!.reason, 'completed');
    assert.equal(said.trim(), 'done', 'it ran to its own end, never signalled');
  } finally {
    target.kill('SIGKILL');
  }
});

test('SIGINT with children running: they are stopped gracefully, every file is written, exit 130', async () => {
  let pid = 0;
  const { res, verdict, out } = await run(
    {
      duration: '1h',
      probes: { child: { kind: 'process', command: ['sh', '-c', `trap 'echo stopping gracefully; exit 0' TERM; echo ready $$; while :; do sleep 0.1; done`], ready: { line: 'ready', timeout: '5s' } } },
    },
    {
      onStderr: (() => {
        let fired = false;
        return (text, child) => {
          if (fired || !/results in (\S+)/.test(text)) return;
          fired = true;
          const dir = /results in (\S+)/.exec(text)![1]!;
          void waitFor(() => /ready (\d+)/.exec(existsSync(path.join(dir, 'child.stdout.log')) ? readFileSync(path.join(dir, 'child.stdout.log'), 'utf8') : '')?.[1], { what: 'the child to be ready' }).then((p) => {
            pid = Number(p);
            child.kill('SIGINT');
          });
        };
      })(),
    },
  );
  assert.equal(res.code, 130, res.stderr);
  assert.ok(pid > 0);
  assert.equal(verdict!.reason, 'interrupted');
  assert.equal(verdict!.partial, true);
  assert.equal(verdict!.probes.child!.status, 'stopped');
  assert.match(readFileSync(path.join(out, 'child.stdout.log'), 'utf8'), /stopping gracefully/);
  for (const f of ['verdict.json', 'run.json', 'report.html', 'samples.ndjson', 'events.ndjson', 'child.stderr.log']) assert.ok(existsSync(path.join(out, f)), f);
  assert.equal(existsSync(`/proc/${pid}`), false, 'the child is gone');
});

test('a Node child (node: true) gets a heap floor and a heap snapshot through the inspector', async () => {
  const { res, verdict, out, samples, events } = await run(
    {
      duration: '12s',
      nominalDuration: '24h',
      leak: { warmup: '2s' },
      snapshots: { minInterval: '1s', secondAfter: '2s' },
      probes: {
        nodebot: {
          kind: 'process',
          command: [process.execPath, 'client.mjs'],
          cwd: NODE_EXAMPLE,
          node: true,
          simulator: 'binance',
          env: { LEAK_BYTES: 8192 },
          events: 'stdout-ndjson',
          thresholds: ['heap_floor_mb.growth < 500'],
        },
      },
      simulators: { binance: { rate: 50 } },
    },
    { timeoutMs: 90_000 },
  );
  assert.ok(res.code === 1, res.stderr);
  const own = samples().filter((s) => s.probe === 'nodebot');
  const floors = own.filter((s) => s.heapFloor !== null && s.heapFloorMajor);
  assert.ok(floors.length >= 3, `heap floors: ${floors.length}`);
  assert.ok(own.every((s) => s.ownProcess && s.rss < samples().find((x) => x.probe === 'process')!.rss * 4));
  assert.ok(floors.at(-1)!.heapFloor! > floors[0]!.heapFloor!, 'the leak shows on the floor');
  const nb = verdict!.probes.nodebot!;
  assert.equal(nb.leak?.series, 'heap_floor_mb');
  assert.equal(nb.leak?.status, 'confirmed', JSON.stringify(nb.leak));
  const snapshot = events().find((e) => e.probe === 'nodebot' && e.kind === 'snapshot');
  assert.ok(snapshot, JSON.stringify(events().filter((e) => e.kind.startsWith('snapshot'))));
  const file = path.join(out, String(snapshot!.data!.file));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const head = readFileSync(file, 'utf8').slice(0, 200);
  assert.match(head, /^\{"snapshot":\{"meta":/);
  assert.deepEqual(readdirSync(path.join(out, 'snapshots')).filter((f) => f.endsWith('.raw')), [], 'no unscrubbed copy left');
});
