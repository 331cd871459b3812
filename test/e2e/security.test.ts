// Secrets never reach a results file, a log line or the terminal; services bind to loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { tempDir, writeScenario } from '../helpers/run.ts';
import { startBinanceSim } from '../../src/sim/binance/index.ts';
import { startBitunixSim } from '../../src/sim/bitunix/index.ts';
import { startMetrics } from '../../src/metrics/server.ts';
import { Bus } from '../../src/bus/bus.ts';

/** Local addresses of the sockets listening on `port`, from /proc/net/tcp{,6}. */
function listeningAddresses(port: number): string[] {
  const out: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== '0A') continue; // 0A = LISTEN
      const [hexAddr, hexPort] = cols[1]!.split(':') as [string, string];
      if (parseInt(hexPort, 16) !== port) continue;
      out.push(hexAddr.length === 8 ? hexAddr.match(/../g)!.reverse().map((b) => parseInt(b, 16)).join('.') : `ipv6:${hexAddr}`);
    }
  }
  return out;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

test('a Bitunix probe with real-shaped credentials leaks neither key nor secret anywhere', async () => {
  const apiKey = 'AKexsoakLeakCanary0123456789';
  const secret = 'SKexsoakSecretCanary9876543210abcdef';
  const dir = tempDir();
  const file = writeScenario(
    dir,
    `name: secrets
duration: 6s
sampleInterval: 500ms
probes:
  bitunix:
    kind: bitunix
    options: { tick: 300ms }
    thresholds: ['error_rate < 0.5']
`,
  );
  // The simulator and the probe both read the pair from the environment, as a live run would.
  const env = { BITUNIX_API_KEY: apiKey, BITUNIX_API_SECRET: secret };
  const res = await runCli(['run', file, '--json', '--out', path.join(dir, 'out')], { env, timeoutMs: 60_000 });
  assert.equal(res.code, 0, res.stderr);
  const verdict = JSON.parse(res.stdout);
  assert.ok(verdict.probes.bitunix.criteria.length > 0);
  const files = filesUnder(path.join(dir, 'out'));
  assert.ok(files.some((f) => f.endsWith('log.ndjson')));
  // The run must really have signed requests with this pair: orders were placed.
  const samples = readFileSync(path.join(dir, 'out', 'samples.ndjson'), 'utf8');
  assert.match(samples, /"orders\.placed":[1-9]/);
  for (const where of [...files.map((f) => [f, readFileSync(f, 'latin1')] as const), ['stdout', res.stdout] as const, ['stderr', res.stderr] as const]) {
    assert.ok(!where[1].includes(secret), `secret found in ${where[0]}`);
    assert.ok(!where[1].includes(apiKey), `API key found in ${where[0]}`);
  }
});

test('a wrong secret is reported clearly, and still never printed', async () => {
  const dir = tempDir();
  const secret = 'SKwrongSecretCanary55555';
  const file = writeScenario(dir, `name: wrong\nduration: 4s\nsampleInterval: 500ms\nprobes:\n  bitunix: { kind: bitunix, options: { tick: 300ms }, thresholds: ['state.error_lock == 0'] }\nsimulators:\n  bitunix: { apiKey: AKright, apiSecret: SKright }\n`);
  const res = await runCli(['run', file, '--json', '--out', path.join(dir, 'out')], {
    env: { BITUNIX_API_KEY: 'AKright', BITUNIX_API_SECRET: secret },
    timeoutMs: 60_000,
  });
  assert.equal(res.code, 1, res.stderr);
  const everything = filesUnder(path.join(dir, 'out')).map((f) => readFileSync(f, 'latin1')).join('\n') + res.stdout + res.stderr;
  assert.ok(!everything.includes(secret));
  assert.match(everything, /10007|signature/i);
});

test('simulators and the metrics endpoint bind to 127.0.0.1 by default', async () => {
  const binance = await startBinanceSim();
  const bitunix = await startBitunixSim();
  const metrics = await startMetrics({ bus: new Bus(), port: 'any' });
  try {
    for (const url of [binance.url, bitunix.restUrl, metrics!.url]) {
      assert.equal(new URL(url).hostname, '127.0.0.1', url);
      // What the kernel has listening on that port, not what the URL claims.
      assert.deepEqual(listeningAddresses(Number(new URL(url).port)), ['127.0.0.1'], url);
    }
  } finally {
    await Promise.all([binance.close(), bitunix.close(), metrics!.close()]);
  }
  const res = await runCli(['sim', 'binance', '--help']);
  assert.match(res.stdout, /--host[\s\S]*127\.0\.0\.1/);
});

/** Every process's argv on the machine that contains `needle` (what `ps` shows any user). */
function argvContaining(needle: string): string[] {
  const hits: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      if (argv.includes(needle)) hits.push(`${pid}: ${argv.replace(/\0/g, ' ').slice(0, 200)}`);
    } catch {
      // the process ended meanwhile
    }
  }
  return hits;
}

test('#18.2 API secrets in heap snapshots: a breach snapshot of the Bitunix worker holds neither key nor secret, is 0600, and simulator credentials stay out of argv and run.json', async () => {
  const apiKey = 'AKexsoakSnapCanary0123456789';
  const secret = 'SKexsoakSnapSecretCanary9876543210';
  const dir = tempDir();
  // The simulator gets the same pair from the scenario (so the probe's signatures are accepted),
  // and the abort-on-fail threshold fails as soon as it is evaluated: a breach snapshot of the
  // worker that has been signing with the pair.
  const file = writeScenario(
    dir,
    `name: snapsecrets
duration: 20s
sampleInterval: 500ms
snapshots: { max: 2, minInterval: 0s }
probes:
  bitunix:
    kind: bitunix
    options: { tick: 300ms }
    thresholds:
      - { threshold: "heap_used_mb.max < 1", abortOnFail: true, delayAbortEval: 3s }
simulators:
  bitunix: { apiKey: ${apiKey}, apiSecret: ${secret} }
`,
  );
  const argvHits: string[] = [];
  let running = true;
  const watch = (async () => {
    while (running) {
      argvHits.push(...argvContaining(apiKey), ...argvContaining(secret));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const res = await runCli(['run', file, '--json', '--out', path.join(dir, 'out')], {
    env: { BITUNIX_API_KEY: apiKey, BITUNIX_API_SECRET: secret },
    timeoutMs: 60_000,
  }).finally(() => (running = false));
  await watch;
  assert.equal(res.code, 1, res.stderr);
  assert.deepEqual(argvHits, [], 'credentials visible in a process argv');
  const samples = readFileSync(path.join(dir, 'out', 'samples.ndjson'), 'utf8');
  assert.match(samples, /"orders\.placed":[1-9]/, 'the probe really signed with the pair');
  const files = filesUnder(path.join(dir, 'out'));
  const snapshots = files.filter((f) => f.endsWith('.heapsnapshot'));
  assert.equal(snapshots.length, 1, `one breach snapshot: ${files.join(', ')}`);
  for (const snap of snapshots) assert.equal(statSync(snap).mode & 0o777, 0o600, `${snap} mode`);
  for (const where of [...files.map((f) => [f, readFileSync(f, 'latin1')] as const), ['stdout', res.stdout] as const, ['stderr', res.stderr] as const]) {
    assert.ok(!where[1].includes(secret), `secret found in ${where[0]}`);
    assert.ok(!where[1].includes(apiKey), `API key found in ${where[0]}`);
  }
  const run = JSON.parse(readFileSync(path.join(dir, 'out', 'run.json'), 'utf8'));
  assert.equal(run.resolved.simulators.bitunix.apiSecret, '[redacted]');
});
