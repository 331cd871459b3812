// Issue #26 (a user's probe is untrusted input), the process lifecycle: a probe that stops early
// or never gets ready fails, a /metrics endpoint that cannot be read is said and never passes a
// threshold on 0, a leader's group and descendants go with it, and attaching to init or to
// exsoak itself is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import path from 'node:path';
import { Bus } from '../../src/bus/bus.ts';
import type { Criterion } from '../../src/bus/verdict.ts';
import { processProbeSchema } from '../../src/probes/validation/process.ts';
import { loadScenarios } from '../../src/scenario/load.ts';
import { createProcessHost } from '../../src/supervisor/hosts/create.ts';
import { runScenario, tempDir, writeScenario } from '../helpers/run.ts';
import { waitFor } from '../helpers/wait.ts';

type Run = Awaited<ReturnType<typeof runScenario>>;

function criterion(run: Run, probe: string, expr: string): Criterion {
  const c = run.verdict.probes[probe]?.criteria.find((x) => x.expr === expr);
  assert.ok(c, `${probe}: no criterion "${expr}" in ${JSON.stringify(run.verdict.probes[probe]?.criteria)}`);
  return c;
}

test('#26.2 a process probe that exits 0 early fails, unless expectExit says it is meant to finish', async () => {
  const probe = { kind: 'process', command: ['sh', '-c', 'sleep 2; exit 0'] };
  const run = await runScenario({ name: 'early', duration: '20s', sampleInterval: '500ms', probes: { early: probe, batch: { ...probe, expectExit: true } } });
  assert.equal(run.exitCode, 1);
  assert.equal(run.verdict.probes.early!.pass, false);
  assert.match(String(criterion(run, 'early', 'no crash').value), /^exited with code 0 after \d+\.\d s, before the run ended \(expectExit: true/);
  assert.equal(run.verdict.probes.batch!.pass, true, JSON.stringify(run.verdict.probes.batch));
  assert.equal(run.verdict.probes.batch!.status, 'stopped');
  // Both ended on their own: the run did not wait out its 20 s.
  assert.ok(run.verdict.durationMs < 15_000, `${run.verdict.durationMs} ms`);
});

test('#26.2 a probe that never got ready fails, saying so', async () => {
  const run = await runScenario({
    name: 'unready',
    duration: '1500ms',
    sampleInterval: '200ms',
    stopGrace: '1s',
    probes: { unready: { kind: 'process', command: ['sleep', '30'], ready: { line: 'connected', timeout: '60s' } } },
  });
  assert.equal(run.exitCode, 1);
  const p = run.verdict.probes.unready!;
  assert.equal(p.status, 'crashed');
  assert.match(String(criterion(run, 'unready', 'no crash').value), /^never became ready: the run ended after \d+\.\d s into its 60000 ms wait for a line containing "connected"/);
});

/** /metrics endpoints that misbehave: one never answers, one sends 5 MB, one 30,000 series. */
async function badEndpoints(): Promise<{ urls: Record<string, string>; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/silent') return; // never answers
    res.writeHead(200, { 'content-type': 'text/plain' });
    if (req.url === '/huge') {
      const chunk = `# ${'x'.repeat(1023)}\n`.repeat(64);
      let sent = 0;
      const more = () => {
        while (sent < 5 * 1024 * 1024 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return res.once('drain', more);
        }
        res.end();
      };
      return more();
    }
    let body = '';
    for (let i = 0; i < 30_000; i++) body += `s{i="${i}"} 1\n`;
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    urls: { silent: `${base}/silent`, huge: `${base}/huge`, many: `${base}/many` },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

test('#26.3 a /metrics endpoint that never answers, answers huge or with too many series is said, and its counter thresholds read "never scraped"', async () => {
  const bad = await badEndpoints();
  try {
    const probe = (url: string, timeout: string) => ({
      kind: 'process',
      command: ['sleep', '30'],
      metrics: { url, timeout, counters: { 'drops.unscheduled': 'app_drops_total' } },
      thresholds: ['drops.unscheduled < 10'],
    });
    const run = await runScenario({
      name: 'unscraped',
      duration: '3s',
      sampleInterval: '500ms',
      stopGrace: '1s',
      probes: { silent: probe(bad.urls.silent!, '300ms'), huge: probe(bad.urls.huge!, '5s'), many: probe(bad.urls.many!, '5s') },
    });
    assert.equal(run.exitCode, 1);
    const why: Record<string, RegExp> = { silent: /answer within 300 ms/, huge: /body larger than 4194304 bytes/, many: /more than 20000 series/ };
    for (const [name, reason] of Object.entries(why)) {
      const c = criterion(run, name, 'drops.unscheduled < 10');
      assert.equal(c.pass, false, name);
      assert.equal(c.value, null, name);
      assert.match(c.note ?? '', /^never scraped: /, name);
      assert.match(c.note ?? '', reason, name);
      const failed = run.events.find((e) => e.probe === name && e.kind === 'scrape-failed');
      assert.match(String(failed?.data?.error), reason, `${name}: a scrape-failed event`);
    }
    const log = readFileSync(path.join(run.dir, 'log.ndjson'), 'utf8');
    assert.match(log, /could not scrape http:\/\/127\.0\.0\.1:\d+\/silent/);
    assert.match(log, /counters never scraped from http:\/\/127\.0\.0\.1:\d+\/many: drops\.unscheduled/);
  } finally {
    await bad.close();
  }
});

/** PIDs whose command line is exactly `argv` (nothing else on the machine runs these numbers). */
function running(argv: string[]): number[] {
  const want = argv.join('\0') + '\0';
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8') !== want) continue;
      // A zombie waits for init to reap it: it runs nothing.
      if (readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.startsWith('Z')) continue;
      found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

test('#26.10 a leader that exits takes its group and its descendants with it, also one that left the group (setsid)', async () => {
  const n = 310_000 + Math.floor(Math.random() * 9_000);
  const inGroup = ['sleep', String(n)];
  const daemon = ['sleep', String(n + 1)];
  const script = `sleep ${n} & setsid sleep ${n + 1} & echo started; sleep 2; exit 0`;
  try {
    const run = await runScenario({
      name: 'orphans',
      duration: '20s',
      sampleInterval: '250ms',
      probes: { leader: { kind: 'process', command: ['sh', '-c', script], ready: { line: 'started', timeout: '10s' }, expectExit: true } },
    });
    assert.equal(run.verdict.probes.leader!.status, 'stopped');
    await waitFor(() => running(inGroup).length === 0 && running(daemon).length === 0, { timeoutMs: 5_000, what: 'the orphans to be gone' });
  } finally {
    for (const pid of [...running(inGroup), ...running(daemon)]) process.kill(pid, 'SIGKILL');
  }
});

test("#26.12 pid 1 and exsoak's own PID are refused, naming why", () => {
  const dir = tempDir();
  for (const [pid, why] of [
    [1, /probes\.init\.pid: pid 1 is the init process: its tree is the whole machine/],
    [process.pid, new RegExp(`probes\\.init\\.pid: pid ${process.pid} is exsoak itself`)],
  ] as const) {
    const file = writeScenario(dir, { name: 'attach', duration: '1s', metrics: { port: 0 }, probes: { init: { kind: 'process', pid } } });
    assert.throws(() => loadScenarios([file]), why);
  }
});

test('#26.12 node: true on a program that is not Node is said early, not after the inspector timeout', async () => {
  const bus = new Bus();
  const logs: string[] = [];
  bus.on('log', (l) => logs.push(l.msg));
  const spec = processProbeSchema.parse({ command: ['sleep', '30'], node: true, ready: { line: 'never', timeout: '60s' } });
  const h = createProcessHost({ name: 'notnode', bus, spec, baseDir: process.cwd(), resultsDir: tempDir() });
  const started = Date.now();
  void h.start();
  try {
    const said = await waitFor(() => logs.find((m) => /node: true, but no process of its tree is Node \(sleep\)/.test(m)), { timeoutMs: 15_000, what: 'the not-Node warning' });
    assert.match(said, /is it a Node program\?/);
    assert.ok(Date.now() - started < 15_000);
  } finally {
    await h.stop('end of test', 1000);
  }
  assert.ok(!existsSync(`/proc/${h.pid}`) || readFileSync(`/proc/${h.pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z'));
});
