// Issue #15 measurements 1, 2, 6 and 7, repeated through the CLI: each failed on main before
// (PASS on two samples, "none" on the README's calibration command, a fatal state idling, bad
// input accepted or explained in zod's words).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.ts';
import { readNdjson, tempDir, writeScenario } from '../helpers/run.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// A day-long scenario with day-long settings (a sample a minute, a 5-minute warm-up), the shape
// of scenarios/binance-24h.yaml, on the control probes so the test stays short.
const longScenario = `name: long
duration: 24h
sampleInterval: 60s
gcFloorInterval: 1s
leak: { warmup: 5m }
metrics: { port: 0 }
probes:
  leaky: { kind: leaky, options: { rate: 0KB } }
  idle: { kind: idle }
`;

// The README's calibration command takes its scenario's full minute (on the default metrics
// port: the other tests here use port 0) while the shorter ones run beside it.
describe('issue #15 measurements through the CLI', { concurrency: 2 }, () => {
  test('m.2: the README calibration command detects the injected leak', async () => {
    const dir = tempDir();
    const res = await runCli(['run', path.join(ROOT, 'scenarios/quick.yaml'), '--inject-leak', 'binance=1MB/min', '--json', '--no-progress', '--out', path.join(dir, 'out')], { timeoutMs: 150_000 });
    assert.equal(res.code, 1, res.stderr);
    const verdict = JSON.parse(res.stdout);
    assert.equal(verdict.probes.binance.leak.status, 'confirmed', JSON.stringify(verdict.probes.binance.leak));
    assert.equal(verdict.probes.binance.pass, false);
    // The healthy executor beside it is not blamed.
    assert.ok(!['confirmed', 'suspected'].includes(verdict.probes.bitunix.leak.status), JSON.stringify(verdict.probes.bitunix.leak));
  });

  test('m.1: a compressed long scenario samples densely, keeps the long budget and confirms a leak inside the run', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, longScenario);
    const out = path.join(dir, 'out');
    const res = await runCli(['run', file, '--duration', '25s', '--inject-leak', 'leaky=10MB/min', '--json', '--no-progress', '--out', out], { timeoutMs: 90_000 });
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /compressed 24h00m → 25s .*sampleInterval 1m00s → 1s.*leak\.warmup 5m00s → 10s/);
    const verdict = JSON.parse(res.stdout);
    assert.equal(verdict.probes.leaky.leak.status, 'confirmed', JSON.stringify(verdict.probes.leaky.leak));
    assert.match(verdict.probes.leaky.leak.reason, /leak confirmed.*over 24h00m/);
    // The healthy worker beside it: a conclusion or the reason there is none, never silence.
    const idle = verdict.probes.idle.leak;
    assert.equal(typeof idle.reason, 'string', JSON.stringify(idle));
    if (idle.status === 'insufficient-data' || idle.status === 'inconclusive') {
      assert.ok(idle.neededRunMs > 25_000, 'says how long a run would need');
      assert.match(res.stderr, new RegExp(`idle +leak check ${idle.status.toUpperCase()}`));
    } else assert.equal(idle.status, 'none');
    const samples = readNdjson<{ probe: string }>(path.join(out, 'samples.ndjson')).filter((s) => s.probe === 'idle');
    assert.ok(samples.length >= 15, `${samples.length} samples of idle`);
    assert.match(readFileSync(path.join(out, 'report.html'), 'utf8'), /leak confirmed/);
  });

  test('m.1: a --duration too short to conclude is refused with the minimum (exit 2, nothing started); --allow-inconclusive runs and says why', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, longScenario);
    const refused = await runCli(['run', file, '--duration', '5s', '--out', path.join(dir, 'refused')]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /--duration 5s: too short for the leak check to conclude anything.*at least --duration 19s.*--allow-inconclusive/);
    assert.equal(existsSync(path.join(dir, 'refused')), false, 'nothing started');

    const res = await runCli(['run', file, '--duration', '5s', '--allow-inconclusive', '--json', '--no-progress', '--out', path.join(dir, 'out')], { timeoutMs: 60_000 });
    assert.equal(res.code, 0, res.stderr);
    const leak = JSON.parse(res.stdout).probes.idle.leak;
    assert.equal(leak.status, 'insufficient-data');
    assert.match(leak.reason, /not enough heap-floor points.*warm-up/);
    assert.ok(leak.neededRunMs > 60_000);
    assert.match(res.stderr, /idle +leak check INSUFFICIENT-DATA +not enough heap-floor points.*NO VERDICT/);
    assert.match(readFileSync(path.join(dir, 'out', 'report.html'), 'utf8'), /not enough heap-floor points/);
  });

  test('m.6: a probe that enters ERROR_LOCK (missing credentials) fails within a sample interval; the reason is the summary\'s first line', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, `name: locked
duration: 1h
sampleInterval: 500ms
metrics: { port: 0 }
probes:
  bitunix: { kind: bitunix, options: { symbol: BTCUSDT, tick: 1s } }
`);
    const started = Date.now();
    // Only the key: the executor cannot sign, and ERROR_LOCK is left only by stopping.
    const res = await runCli(['run', file, '--json', '--out', path.join(dir, 'out')], { timeoutMs: 60_000, env: { BITUNIX_API_KEY: 'k-only', BITUNIX_API_SECRET: '' } });
    assert.equal(res.code, 1, res.stderr);
    assert.ok(Date.now() - started < 40_000, `took ${Date.now() - started} ms`);
    const verdict = JSON.parse(res.stdout);
    assert.equal(verdict.reason, 'aborted');
    assert.match(verdict.probes.bitunix.fatal, /^ERROR_LOCK: /);
    assert.deepEqual(verdict.probes.bitunix.criteria[0].expr, 'no fatal state');
    const events = readNdjson<{ t: number; kind: string; probe: string; data?: Record<string, unknown> }>(path.join(dir, 'out', 'events.ndjson'));
    const fatal = events.find((e) => e.kind === 'fatal')!;
    const breach = events.find((e) => e.kind === 'breach' && e.data?.fatal)!;
    assert.ok(breach && breach.t - fatal.t <= 500, 'failed within one sample interval');
    const summary = res.stderr.slice(res.stderr.lastIndexOf('\nFATAL') + 1);
    assert.match(summary.split('\n')[0]!, /^FATAL bitunix: ERROR_LOCK: .+/);
    assert.match(summary.split('\n')[1]!, /^locked: FAIL/);
    assert.match(res.stderr, /no fatal state.*ERROR_LOCK/);
  });

  test('m.7: a bad injectLeak and a list where a map is expected exit 2 with what is expected, nothing started', async () => {
    const dir = tempDir();
    const badRate = writeScenario(dir, 'name: x\nduration: 10s\nprobes:\n  leaky: { kind: leaky, injectLeak: "lots please" }\n', 'rate.yaml');
    const list = writeScenario(dir, 'name: x\nduration: 10s\nprobes:\n  - kind: idle\n', 'list.yaml');
    const a = await runCli(['run', badRate], { cwd: dir });
    assert.equal(a.code, 2, a.stderr);
    assert.match(a.stderr, /rate\.yaml: probes\.leaky\.injectLeak: expected a rate like "200KB\/min" or "1MB\/s", got "lots please"/);
    const b = await runCli(['run', list], { cwd: dir });
    assert.equal(b.code, 2, b.stderr);
    assert.match(b.stderr, /list\.yaml: probes: expected a mapping of names to settings \(NAME: …\), got a list, e\.g\.\n +probes:\n +binance:\n +kind: binance/);
    assert.doesNotMatch(b.stderr, /Invalid input/);
    assert.deepEqual(readdirSync(dir).sort(), ['list.yaml', 'rate.yaml'], 'no results folder');
  });
});
