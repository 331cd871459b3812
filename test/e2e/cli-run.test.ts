import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { readNdjson, tempDir, writeScenario } from '../helpers/run.ts';

const scenario = (extra = '') => `name: e2e
duration: 2s
sampleInterval: 250ms
probes:
  idle: { kind: idle }
  leaky: { kind: leaky, options: { rate: 50KB } }
${extra}`;

test('run --json prints the verdict as the only thing on stdout, exit 0 on pass', async () => {
  const dir = tempDir();
  const file = writeScenario(dir, scenario('process: { thresholds: ["rss_mb.max < 4000"] }\n'));
  const res = await runCli(['run', file, '--json', '--out', path.join(dir, 'out')]);
  assert.equal(res.code, 0, res.stderr);
  const verdict = JSON.parse(res.stdout);
  assert.equal(verdict.pass, true);
  assert.deepEqual(Object.keys(verdict.probes).sort(), ['idle', 'leaky']);
  assert.match(res.stderr, /e2e: PASS/);
  assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'out', 'verdict.json'), 'utf8')), verdict);
});

test('a failed criterion exits 1; --duration overrides the scenario', async () => {
  const dir = tempDir();
  const file = writeScenario(dir, scenario().replace('duration: 2s', 'duration: 1h') + 'process: { thresholds: ["rss_mb.max < 1"] }\n');
  const started = Date.now();
  const res = await runCli(['run', file, '--json', '--duration', '1500ms', '--allow-inconclusive', '--out', path.join(dir, 'out')]);
  assert.equal(res.code, 1, res.stderr);
  assert.ok(Date.now() - started < 30_000);
  const verdict = JSON.parse(res.stdout);
  assert.equal(verdict.pass, false);
  assert.equal(verdict.process.criteria[0].pass, false);
});

test('abortOnFail stops the run within one sample interval, exit 1, every file written', async () => {
  const dir = tempDir();
  const file = writeScenario(
    dir,
    scenario().replace('duration: 2s', 'duration: 1h') + 'process: { thresholds: [{ threshold: "rss_mb.max < 1", abortOnFail: true, delayAbortEval: 500ms }] }\n',
  );
  const res = await runCli(['run', file, '--json', '--out', path.join(dir, 'out')], { timeoutMs: 30_000 });
  assert.equal(res.code, 1, res.stderr);
  const verdict = JSON.parse(res.stdout);
  assert.equal(verdict.reason, 'aborted');
  const events = readNdjson<{ t: number; kind: string }>(path.join(dir, 'out', 'events.ndjson'));
  const breach = events.find((e) => e.kind === 'breach');
  assert.ok(breach, 'breach recorded');
  const starts = events.filter((e) => e.kind === 'start').map((e) => e.t);
  // Evaluation may start at 500 ms; the breach must come with the first sample after it.
  assert.ok(breach.t - Math.min(...starts) < 500 + 2 * 250 + 200, `breach after ${breach.t - Math.min(...starts)} ms`);
  for (const f of ['run.json', 'samples.ndjson', 'events.ndjson', 'verdict.json', 'report.html', 'idle_soak_memory_profile.json']) {
    assert.ok(existsSync(path.join(dir, 'out', f)), f);
  }
  // The evidence: a snapshot of the worker with the largest heap, taken before the stop, parseable.
  const snaps = readdirSync(path.join(dir, 'out', 'snapshots'));
  assert.equal(snaps.length, 1, snaps.join(', '));
  const snap = JSON.parse(readFileSync(path.join(dir, 'out', 'snapshots', snaps[0]!), 'utf8'));
  assert.ok(snap.snapshot.node_count > 1000);
  assert.ok(events.some((e) => e.kind === 'snapshot'));
});

test('usage and scenario errors exit 2 with a message naming the flag or key, and start nothing', async () => {
  const dir = tempDir();
  const good = writeScenario(dir, scenario(), 'good.yaml');
  const bad = writeScenario(dir, scenario().replace('duration: 2s', 'duration: soon'), 'bad.yaml');
  const cases: [string[], RegExp][] = [
    [['run', bad], /bad\.yaml: duration: expected a duration/],
    [['run', path.join(dir, 'nope.yaml')], /nope\.yaml: cannot read scenario file/],
    [['run', good, '--duration', 'forever'], /--duration: expected a duration/],
    [['run', good, '--sample-interval', '0s'], /--sample-interval: expected a positive duration/],
    [['run', good, '--inject-leak', 'kraken=1MB/min'], /--inject-leak: no probe named "kraken"/],
    [['run', good, '--inject-leak', 'leaky=fast'], /--inject-leak: expected a rate/],
    [['run', good, '--colour'], /Unknown argument: colour/],
    [['run', good, '--target', 'moon'], /Invalid values:[\s\S]*target/],
    [['frobnicate'], /Unknown argument: frobnicate|expected a command/],
  ];
  for (const [args, message] of cases) {
    const res = await runCli(args, { cwd: dir });
    assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
    assert.match(res.stderr, message, args.join(' '));
    assert.equal(res.stdout, '', args.join(' '));
  }
  assert.equal(existsSync(path.join(dir, 'results')), false, 'nothing written');
  assert.deepEqual(readdirSync(dir).sort(), ['bad.yaml', 'good.yaml']);
});

test('SIGINT stops gracefully: partial verdict, every file written, exit 130', async () => {
  const dir = tempDir();
  const file = writeScenario(dir, scenario().replace('duration: 2s', 'duration: 1h'));
  let sent = false;
  const res = await runCli(['run', file, '--json', '--out', path.join(dir, 'out')], {
    onStderr: (text, child) => {
      if (!sent && /results in/.test(text)) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 1200);
      }
    },
  });
  assert.equal(res.code, 130, res.stderr);
  const verdict = JSON.parse(res.stdout);
  assert.equal(verdict.partial, true);
  assert.equal(verdict.reason, 'interrupted');
  const samples = readNdjson(path.join(dir, 'out', 'samples.ndjson'));
  assert.ok(samples.length >= 3);
  assert.ok(existsSync(path.join(dir, 'out', 'report.html')));
  JSON.parse(readFileSync(path.join(dir, 'out', 'leaky_soak_memory_profile.json'), 'utf8'));
});
