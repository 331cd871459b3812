// The `process` kind's registry entry: what its probes report, its venue, its load-time checks,
// and the clash of its /metrics port with exsoak's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { kindMetrics, probeVenue, requireProbeKind } from '../../src/probes/index.ts';
import { requireProbeValidation } from '../../src/probes/validation/index.ts';
import { loadScenarios, ScenarioError } from '../../src/scenario/load.ts';
import { metricsPortClash } from '../../src/scenario/port-clash.ts';
import { tempDir, writeScenario } from '../helpers/run.ts';
import { runCli } from '../helpers/cli.ts';

const parse = (own: unknown) => requireProbeValidation('process').specSchema!.parse(own) as Record<string, unknown>;

test('a process probe reports what its block maps, plus drops and event counts with stdout-ndjson', () => {
  const own = parse({ command: ['python3', 'x.py'], metrics: { url: 'http://127.0.0.1:9100/metrics', counters: { messages: 'm_total' }, gauges: { lag_s: 'lag' } }, events: 'stdout-ndjson' });
  const m = kindMetrics('process', own);
  assert.equal(m.isCounter('messages'), true);
  assert.equal(m.isGauge('lag_s'), true);
  assert.equal(m.isCounter('drops.unscheduled'), true);
  assert.equal(m.isCounter('events.connect'), true);
  const bare = kindMetrics('process', parse({ command: 'sleep 1' }));
  assert.equal(bare.isCounter('drops.unscheduled'), false, 'no NDJSON events: no drops to count');
  assert.equal(bare.isCounter('messages'), false);
});

test('venue from simulator:, leak series by node:, runner type process', () => {
  const kind = requireProbeKind('process');
  assert.equal(kind.runner.type, 'process');
  assert.equal(probeVenue('process', parse({ command: 'sleep 1', simulator: 'bitunix' })), 'bitunix');
  assert.equal(probeVenue('process', parse({ command: 'sleep 1' })), undefined);
  assert.equal(kind.leakSeries!(parse({ command: 'sleep 1' })), 'rss');
  assert.equal(kind.leakSeries!(parse({ command: 'node x.js', node: true })), 'heap_floor');
});

test('scenario errors name the file and key: unknown threshold metric, missing program, bad cwd', () => {
  const dir = tempDir();
  const write = (probe: Record<string, unknown>) => writeScenario(dir, { name: 'p', duration: '1s', probes: { p: { kind: 'process', ...probe } } });
  assert.throws(() => loadScenarios([write({ command: 'sleep 1', thresholds: ['messages < 3'] })]), (err: Error) => err instanceof ScenarioError && /probes\.p\.thresholds\.0: unknown metric "messages"/.test(err.message));
  assert.throws(() => loadScenarios([write({ command: 'nope-exsoak-x' })]), /scenario\.yaml: probes\.p\.command: command "nope-exsoak-x": not found on PATH/);
  assert.throws(() => loadScenarios([write({ command: 'sleep 1', cwd: 'missing' })]), /probes\.p\.cwd: cwd "missing": .* is not a directory/);
  assert.throws(() => loadScenarios([write({ command: 'sleep 1', options: { x: 1 } })]), /probes\.p\.options: unknown key/);
  const loaded = loadScenarios([write({ command: 'sleep 1', simulator: 'binance', metrics: { url: 'http://127.0.0.1:9100/metrics', counters: { messages: 'm' } }, thresholds: ['msg_rate.avg > 1', 'messages.count > 0'] })], { metricsPort: 0 });
  assert.equal(loaded.probes[0]!.venue, 'binance');
});

test('a metrics url on exsoak\'s own metrics port is refused, naming both and --metrics-port', () => {
  const probe = (url: string) => ({ name: 'seed', file: path.resolve('s.yaml'), own: { metrics: { url } } });
  const msg = metricsPortClash([probe('http://127.0.0.1:9091/metrics')], { port: 9091, host: '127.0.0.1' });
  assert.match(msg!, /probes\.seed\.metrics\.url: http:\/\/127\.0\.0\.1:9091\/metrics is on port 9091, which is also exsoak's own metrics port \(http:\/\/127\.0\.0\.1:9091\/metrics\)/);
  assert.match(msg!, /--metrics-port/);
  assert.equal(metricsPortClash([probe('http://127.0.0.1:9091/metrics')], { port: 0, host: '127.0.0.1' }), undefined, 'exsoak serves none');
  assert.equal(metricsPortClash([probe('http://127.0.0.1:9100/metrics')], { port: 9091, host: '127.0.0.1' }), undefined);
  assert.equal(metricsPortClash([probe('http://10.1.2.3:9091/metrics')], { port: 9091, host: '127.0.0.1' }), undefined, 'another machine');
  assert.ok(metricsPortClash([probe('http://localhost:9091/metrics')], { port: 9091, host: '127.0.0.1' }));
});

test("a process probe's credential-named env values stay out of run.json and are masked in snapshots", async () => {
  const { redactSecretFields, secretValuesIn } = await import('../../src/shared/secrets.ts');
  const scenario = { simulators: {}, probes: { bot: { kind: 'process', env: { BITUNIX_API_SECRET: 'canary-s3cret', LOG_LEVEL: 'INFO' } } } };
  const copy = redactSecretFields(scenario);
  assert.deepEqual(copy.probes.bot.env, { BITUNIX_API_SECRET: '[redacted]', LOG_LEVEL: 'INFO' });
  assert.equal(scenario.probes.bot.env.BITUNIX_API_SECRET, 'canary-s3cret', 'the run itself still gets it');
  assert.deepEqual(secretValuesIn(scenario), ['canary-s3cret']);
});

test('--inject-leak and injectLeak cannot name a process probe: exit 2, saying why and what can', async () => {
  const dir = tempDir();
  const file = writeScenario(dir, { name: 'p', duration: '1s', probes: { p: { kind: 'process', command: 'sleep 1' }, i: { kind: 'idle' } } }, 'inject.yaml');
  const res = await runCli(['run', file, '--inject-leak', 'p=1MB/min', '--out', path.join(dir, 'run')]);
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /--inject-leak: "p" runs as its own process: exsoak cannot make it retain memory \(worker probes that can: i\)/);
  const keyed = writeScenario(dir, { name: 'p', duration: '1s', probes: { p: { kind: 'process', command: 'sleep 1', injectLeak: '1MB/min' } } }, 'keyed.yaml');
  assert.throws(() => loadScenarios([keyed]), /keyed\.yaml: probes\.p\.injectLeak: a process probe runs as its own process/);
});
