// `python: true` on real python3 processes: the agent's heap floor, its two looks naming the
// leaking dict and the line that allocates into it, and the ways a program can get in its way
// (asyncio, threads, fork, closed stdio, its own sitecustomize, -I).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bus } from '../../src/bus/bus.ts';
import type { ProbeEvent } from '../../src/bus/types.ts';
import { processProbeSchema } from '../../src/probes/validation/process.ts';
import { createProcessHost } from '../../src/supervisor/hosts/create.ts';
import { lookDiff } from '../../src/snapshot/python-culprits.ts';
import { tempDir } from '../helpers/run.ts';
import { waitFor } from '../helpers/wait.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLIENT = 'test/fixtures/python/client.py';
const KB = 1024;

function host(env: Record<string, string>, extra: Record<string, unknown> = {}) {
  const bus = new Bus();
  const events: ProbeEvent[] = [];
  const logs: string[] = [];
  bus.on('event', (e) => events.push(e));
  bus.on('log', (l) => logs.push(l.msg));
  const resultsDir = tempDir('exsoak-python-');
  const spec = processProbeSchema.parse({ command: ['python3', CLIENT], python: true, env: { RATE: '400', ...env }, ready: { line: 'ready', timeout: '60s' }, ...extra });
  const h = createProcessHost({ name: 'py', bus, spec, baseDir: ROOT, resultsDir, gcFloorIntervalMs: 0 });
  return { h, events, logs, resultsDir };
}

const connected = (logs: string[]) => waitFor(() => logs.find((l) => l.startsWith('Python agent connected')), { timeoutMs: 60_000, what: 'the Python agent to connect' });

type Host = ReturnType<typeof createProcessHost>;

/** A look written by the runtime into `file` (what the snapshot taker then scrubs and keeps). */
async function takeLook(h: Host, file: string): Promise<void> {
  const stream = await h.snapshot(file);
  (stream as unknown as { destroy(): void }).destroy();
}

async function floorOf(h: Host): Promise<number> {
  const r = await waitFor(async () => {
    const reading = await h.read(10_000);
    return reading?.heapFloor ? reading : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200, what: 'a Python heap floor' });
  assert.equal(r.heapFloorMajor, true);
  return r.heapFloor!;
}

/** Two looks with growth between them; returns the culprits. */
async function twoLooks(h: Host, dir: string) {
  // Past start-up first, as after a confirmed leak: the containers have entries to compare.
  const start = await floorOf(h);
  await waitFor(async () => (await floorOf(h)) > start + 64 * KB, { timeoutMs: 60_000, intervalMs: 250, what: 'the floor to grow by 64 KB' });
  const first = path.join(dir, 'first.pylook.json');
  assert.deepEqual(await h.evidence(), { supported: true, heapBytes: (await h.evidence() as { heapBytes: number }).heapBytes, format: 'python-look' });
  await takeLook(h, first);
  const before = await floorOf(h);
  await waitFor(async () => (await floorOf(h)) > before + 256 * KB, { timeoutMs: 60_000, intervalMs: 250, what: 'the floor to grow by 256 KB' });
  const second = path.join(dir, 'second.pylook.json');
  await takeLook(h, second);
  for (const file of [first, second]) assert.equal(statSync(file).mode & 0o777, 0o600, file);
  const look = JSON.parse(readFileSync(second, 'utf8')) as { format: string; growth: { sites: unknown[] } };
  assert.equal(look.format, 'exsoak-python-look/1');
  return lookDiff(readFileSync(second, 'utf8'));
}

test('a leak in a named dict at the default depth: the culprits name Client.seen, and the library line json.loads allocates at says how to see the caller', { timeout: 180_000 }, async () => {
  const { h, logs, resultsDir } = host({ MODE: 'leak' });
  try {
    await h.start();
    assert.equal(h.status, 'running', h.exit?.stderrTail.join('\n'));
    await connected(logs);
    assert.ok(logs.some((l) => /traceback depth 1\)$/.test(l)), logs.join('\n'));
    const { culprits, rows } = await twoLooks(h, resultsDir);
    const holder = culprits.find((c) => c.kind === 'holder');
    assert.ok(holder, JSON.stringify(culprits, null, 1));
    assert.equal(holder.holder, 'dict (Client.seen)');
    assert.ok(holder.countDelta >= 100, holder.text);
    assert.match(holder.text, /local client in (run_sync|main)\(\)/);
    // ~260 bytes of JSON per message: what the new entries hold is estimated from the newest ones.
    assert.ok(holder.retainedDeltaBytes >= holder.countDelta * 200, holder.text);
    const site = culprits.find((c) => c.kind === 'allocation');
    assert.ok(site, JSON.stringify(culprits, null, 1));
    assert.match(site.location!, /^json\/decoder\.py:\d+$/);
    assert.match(site.text, /\[stdlib\] .*the traceback stops in the library: `python: \{ depth: 8 \}` shows the caller/);
    assert.ok(rows.length > 0);
  } finally {
    await h.stop('end of test', 5000);
  }
});

// The threaded one also compares full tracemalloc snapshots (python: { snapshots: true }).
for (const [mode, depth] of [['asyncio', 8], ['threaded', 8]] as const) {
  test(`${mode === 'asyncio' ? 'an' : 'a'} ${mode} client at depth ${depth}: its leaking dict is named with where the client lives, and the allocation with the json.loads line`, { timeout: 180_000 }, async () => {
    const snapshots = mode === 'threaded';
    const { h, logs, resultsDir } = host({ MODE: mode }, { python: { depth, snapshots } });
    try {
      await h.start();
      await connected(logs);
      const { culprits } = await twoLooks(h, resultsDir);
      const holder = culprits.find((c) => c.kind === 'holder');
      assert.equal(holder?.holder, 'dict (Client.seen)', JSON.stringify(culprits, null, 1));
      assert.match(holder!.text, mode === 'asyncio' ? /local client in amain\(\)/ : /local client in (run_sync|main)\(\)/);
      const site = culprits.find((c) => c.kind === 'allocation' && c.location === `${CLIENT}:26`);
      assert.ok(site, JSON.stringify(culprits, null, 1));
      assert.match(site.code!, /json\.loads/);
      // Library frames are kept (marked) in the traceback and collapsed in the text.
      assert.ok(site.traceback!.some((f) => f.includes('json/') && f.endsWith('[stdlib]')), site.traceback!.join('\n'));
      assert.match(site.text, /\[stdlib: json\//);
      const look = logs.find((l) => l.startsWith('Python look:'));
      assert.equal(/tracemalloc snapshot/.test(look ?? ''), snapshots, look);
    } finally {
      await h.stop('end of test', 5000);
    }
  });
}

test('the agent survives a fork (the child does not answer on the channel) and closed stdout/stderr', { timeout: 180_000 }, async () => {
  for (const env of [{ MODE: 'fork' }, { MODE: 'leak', CLOSE_STDIO: '1' }] as Record<string, string>[]) {
    const { h, logs, resultsDir } = host(env);
    try {
      await h.start();
      await connected(logs);
      const a = await floorOf(h);
      const b = await waitFor(async () => {
        const f = await floorOf(h);
        return f > a ? f : undefined;
      }, { timeoutMs: 60_000, intervalMs: 250, what: `the floor to keep answering and growing (${JSON.stringify(env)})` });
      assert.ok(b > a);
      if (env.MODE === 'fork') {
        // The forked child closed its copy of the agent's socket (beyond stdio, it has no other).
        const log = () => readFileSync(path.join(resultsDir, 'py.stdout.log'), 'utf8');
        const child = Number((await waitFor(() => /forked (\d+)/.exec(log()), { what: 'the forked child\'s pid' }))[1]);
        const fds = readdirSync(`/proc/${child}/fd`)
          .filter((fd) => Number(fd) > 2)
          .map((fd) => readlinkSync(`/proc/${child}/fd/${fd}`));
        assert.deepEqual(fds.filter((l) => l.startsWith('socket:')), [], fds.join(' '));
      }
    } finally {
      await h.stop('end of test', 5000);
    }
    // SIGTERM reached the program's own handler: a clean exit, the forked child killed with the group.
    assert.equal(h.status, 'stopped', JSON.stringify(h.exit));
  }
});

test("the user's own sitecustomize still runs, after the agent; python: { depth } is tracemalloc's", { timeout: 120_000 }, async () => {
  const dir = tempDir('exsoak-py-site-');
  mkdirSync(path.join(dir, 'site'));
  writeFileSync(path.join(dir, 'site', 'sitecustomize.py'), 'import sys, tracemalloc\nprint("user sitecustomize ran, tracing=%s" % tracemalloc.is_tracing(), flush=True)\n');
  const { h, logs, resultsDir } = host({ MODE: 'healthy', PYTHONPATH: path.join(dir, 'site') }, { python: { depth: 3 } });
  try {
    await h.start();
    assert.match(await connected(logs), /traceback depth 3\)$/, 'python: { depth } reaches tracemalloc');
    await floorOf(h);
  } finally {
    await h.stop('end of test', 5000);
  }
  assert.match(readFileSync(path.join(resultsDir, 'py.stdout.log'), 'utf8'), /user sitecustomize ran, tracing=True/);
});

test('python -I ignores the agent: the probe still runs, measured from outside, and says why', { timeout: 120_000 }, async () => {
  const { h, events } = host({ MODE: 'healthy' }, { command: ['python3', '-I', CLIENT], ready: { line: 'ready', timeout: '5s' } });
  try {
    await h.start();
    assert.equal(h.status, 'running');
    const missing = await waitFor(() => events.find((e) => e.kind === 'runtime-missing'), { timeoutMs: 30_000, what: 'a runtime-missing event' });
    assert.match(String(missing.data?.reason), /never connected within 5 s \(not CPython ≥ 3\.9, or started with -I/);
    const r = await h.read(5000);
    assert.ok(r && r.rss > 0 && r.heapFloor === null, JSON.stringify(r));
    assert.match(JSON.stringify(await h.evidence()), /never connected/);
    await assert.rejects(h.snapshot(path.join(tempDir(), 'x.json')), /never connected/);
  } finally {
    await h.stop('end of test', 5000);
  }
});

test('a program that stops tracemalloc mid-run: the Python view is said to be gone, and why', { timeout: 120_000 }, async () => {
  const { h, events, logs } = host({ MODE: 'healthy', STOP_TRACING_AFTER: '1' });
  try {
    await h.start();
    await connected(logs);
    const missing = await waitFor(async () => {
      await h.read(5000);
      return events.find((e) => e.kind === 'runtime-missing');
    }, { timeoutMs: 30_000, intervalMs: 250, what: 'a runtime-missing event' });
    assert.match(String(missing.data?.reason), /the program stopped tracemalloc mid-run/);
    const r = await h.read(5000);
    assert.ok(r && r.rss > 0 && r.heapFloor === null, JSON.stringify(r));
  } finally {
    await h.stop('end of test', 5000);
  }
});
