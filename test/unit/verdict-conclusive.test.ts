// Issue #15: compressed runs, fatal states and the summary's account of what was not concluded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bus } from '../../src/bus/bus.ts';
import { VerdictEngine } from '../../src/verdict/engine.ts';
import { ScenarioSchema } from '../../src/scenario/schema.ts';
import { compressScenario, minimumConclusiveMs } from '../../src/scenario/compress.ts';
import { formatSummary } from '../../src/progress/summary.ts';
import { makeSample as sample } from '../helpers/samples.ts';

const MB = 1024 * 1024;
const leak = { warmupMs: 0, budgetBytes: 50 * MB, nominalMs: 3_600_000, alpha: 0.01, confirmations: 3, maxPoints: 64, minGrowthBytes: MB, failOnConfirmed: true };

const day = ScenarioSchema.parse({
  name: 'day',
  duration: '24h',
  sampleInterval: '60s',
  gcFloorInterval: '30s',
  leak: { warmup: '5m' },
  probes: { p: { kind: 'idle' } },
});

test('a compressed run scales intervals and warm-up within floors; a flag-given sample interval is kept', () => {
  const { scenario, compression } = compressScenario({ ...day, duration: 120_000 }, day.duration, { sampleInterval: false });
  assert.equal(scenario.sampleInterval, 1000);
  assert.equal(scenario.gcFloorInterval, 2000);
  assert.equal(scenario.leak.warmup, 18_000, '15 % of a 2-minute run');
  assert.deepEqual(compression!.scaled['leak.warmup'], [300_000, 18_000]);
  // 18 s warm-up + 9 points every 2 s: the shortest run that can conclude anything.
  assert.equal(minimumConclusiveMs(scenario), 36_000);
  const kept = compressScenario({ ...day, duration: 120_000, sampleInterval: 5000 }, day.duration, { sampleInterval: true });
  assert.equal(kept.scenario.sampleInterval, 5000);
  assert.equal(compressScenario(day, day.duration, { sampleInterval: false }).compression, undefined, 'not compressed: unchanged');
});

function engine(failOnFatal?: boolean) {
  const bus = new Bus();
  const aborts: string[] = [];
  const e = new VerdictEngine({
    bus,
    probes: [{ name: 'bitunix', kind: 'bitunix', thresholds: [], ...(failOnFatal === undefined ? {} : { failOnFatal }) }],
    process: [],
    startedAt: 0,
    leak,
    onAbort: (b) => aborts.push(`${b.scope}:${b.criterion.expr}:${b.criterion.value}`),
  });
  return { bus, e, aborts };
}

test('a fatal event fails the probe at once and asks for the stop; the reason leads its criteria and the summary', () => {
  const { bus, e, aborts } = engine();
  bus.emit('sample', sample('bitunix', 1000, {}));
  bus.emit('event', { t: 1200, probe: 'bitunix', kind: 'fatal', data: { reason: 'ERROR_LOCK: missing credentials' } });
  bus.emit('event', { t: 1300, probe: 'bitunix', kind: 'fatal', data: { reason: 'again' } });
  assert.deepEqual(aborts, ['bitunix:no fatal state:ERROR_LOCK: missing credentials'], 'once, with the first reason');
  const v = e.verdict('s', 'aborted', 2000);
  assert.equal(v.probes.bitunix!.pass, false);
  assert.equal(v.probes.bitunix!.fatal, 'ERROR_LOCK: missing credentials');
  assert.equal(v.probes.bitunix!.criteria[0]!.expr, 'no fatal state');
  const lines = formatSummary(v, '/tmp/x', false).split('\n').filter(Boolean);
  assert.equal(lines[0], 'FATAL bitunix: ERROR_LOCK: missing credentials');
  assert.match(lines[1]!, /^s: FAIL \(aborted, partial\)/);
});

test('failOnFatal: false records the fatal state without failing or stopping', () => {
  const { bus, e, aborts } = engine(false);
  bus.emit('sample', sample('bitunix', 1000, {}));
  bus.emit('event', { t: 1200, probe: 'bitunix', kind: 'fatal', data: { reason: 'ERROR_LOCK: x' } });
  assert.deepEqual(aborts, []);
  const v = e.verdict('s', 'completed', 2000);
  assert.equal(v.probes.bitunix!.pass, true);
  assert.equal(v.probes.bitunix!.fatal, 'ERROR_LOCK: x');
});

test('the summary states a leak check that did not conclude, with its reason', () => {
  const { bus, e } = engine();
  bus.emit('sample', sample('bitunix', 1000, {}));
  const text = formatSummary(e.verdict('s', 'completed', 2000), '/tmp/x', false);
  assert.match(text, /bitunix +leak check INSUFFICIENT-DATA +not enough heap-floor points .* NO VERDICT/);
});
