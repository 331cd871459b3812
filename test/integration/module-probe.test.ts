// `kind: module`: the user's own probe module in its own worker — measured, judged and blamed
// like a built-in probe — and every way a user module can be wrong failing clearly and alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenarios, ScenarioError } from '../../src/scenario/load.ts';
import { bisectVariants } from '../../src/supervisor/bisect.ts';
import { runScenario, tempDir, writeScenario } from '../helpers/run.ts';

const fixtures = fileURLToPath(new URL('../fixtures/modules/', import.meta.url));
const fixture = (name: string) => path.join(fixtures, name);

function moduleProbe(file: string, extra: Record<string, unknown> = {}) {
  return { kind: 'module', module: fixture(file), simulator: 'binance', counters: ['messages', 'ticks'], gauges: ['kept'], ...extra };
}

test('a leak in a module probe is confirmed and blamed on it; the bitunix probe beside it passes', async () => {
  const run = await runScenario({
    name: 'module-leak',
    duration: '20s',
    nominalDuration: '1h',
    sampleInterval: '500ms',
    gcFloorInterval: '1s',
    leak: { warmup: '4s', minGrowth: '1MB', budget: '200MB' },
    simulators: { binance: { rate: 200 } },
    probes: {
      mine: moduleProbe('healthy.ts', { options: { retain: true }, thresholds: ['msg_rate.avg > 10'] }),
      bitunix: { kind: 'bitunix', options: { tick: '1s' }, thresholds: ['state.error_lock == 0'] },
    },
  });
  const mine = run.verdict.probes.mine!;
  assert.equal(mine.kind, 'module');
  assert.equal(mine.leak?.status, 'confirmed', JSON.stringify(mine.leak));
  assert.equal(mine.pass, false);
  assert.ok(mine.criteria.some((c) => c.expr === 'msg_rate.avg > 10' && c.pass), JSON.stringify(mine.criteria));
  assert.equal(run.events.find((e) => e.kind === 'leak' && e.data?.status === 'confirmed')?.probe, 'mine');
  const bitunix = run.verdict.probes.bitunix!;
  assert.equal(bitunix.pass, true, JSON.stringify(bitunix));
  assert.notEqual(bitunix.leak?.status, 'confirmed');
});

test('a healthy module probe passes, with its declared counters in thresholds and its events recorded', async () => {
  const run = await runScenario({
    name: 'module-healthy',
    duration: '4s',
    sampleInterval: '500ms',
    simulators: { binance: { rate: 50 } },
    probes: { mine: moduleProbe('healthy.ts', { thresholds: ['msg_rate.avg > 10', 'messages > 50'] }) },
  });
  assert.equal(run.verdict.pass, true, JSON.stringify(run.verdict.probes.mine));
  assert.equal(run.verdict.probes.mine!.status, 'stopped');
});

test('a threshold on an undeclared counter, a missing file and a module without a default export are load errors', () => {
  const dir = tempDir();
  const scenario = (probe: Record<string, unknown>) => writeScenario(dir, { name: 'bad', duration: '1s', probes: { mine: probe } });
  assert.throws(
    () => loadScenarios([scenario(moduleProbe('healthy.ts', { thresholds: ['drops.unscheduled < 10'] }))]),
    (err: unknown) => err instanceof ScenarioError && /probes\.mine\.thresholds\.0: unknown metric "drops\.unscheduled" for a module probe/.test(err.message),
  );
  const file = scenario({ kind: 'module', module: './probes/missing.ts' });
  assert.throws(() => loadScenarios([file]), {
    message: `${file}: probes.mine.module: no such file ${path.join(dir, 'probes/missing.ts')} (expected a probe module, relative to the scenario file)`,
  });
  const nodefault = scenario(moduleProbe('no-default.ts'));
  assert.throws(() => loadScenarios([nodefault]), {
    message: `${nodefault}: probes.mine.module: ${fixture('no-default.ts')} has no default export (expected \`export default defineProbe(async (ctx) => { … })\` from "exsoak/probe")`,
  });
  assert.throws(() => loadScenarios([scenario({ kind: 'module', module: fixture('healthy.ts'), simulator: 'kraken' })]), /probes\.mine\.simulator: expected one of binance, bitunix/);
  assert.throws(() => loadScenarios([scenario({ kind: 'module', module: fixture('healthy.ts'), comand: 'x' })]), /probes\.mine: unknown key\(s\) "comand"/);
});

test('variants feed bisect; the module path resolves against the scenario folder', () => {
  const dir = tempDir();
  const file = writeScenario(dir, {
    name: 'v',
    duration: '1s',
    probes: { mine: { ...moduleProbe(path.relative(dir, fixture('healthy.ts'))), module: path.relative(dir, fixture('healthy.ts')), options: { symbol: 'BTCUSDT' }, variants: { 'eth-only': { symbol: 'ETHUSDT' } } } },
  });
  const loaded = loadScenarios([file]);
  assert.equal(loaded.probes[0]!.own.modulePath, fixture('healthy.ts'));
  const variant = bisectVariants(loaded).find((v) => v.label === 'mine eth-only');
  assert.deepEqual(variant?.probes[0]!.options, { symbol: 'ETHUSDT' });
});

test('a module that throws at import, throws while running, exports no probe or never settles fails alone, with the error in the verdict', async () => {
  const run = await runScenario({
    name: 'module-bad',
    duration: '2s',
    sampleInterval: '250ms',
    stopGrace: '500ms',
    simulators: { binance: { rate: 20 } },
    probes: {
      atimport: moduleProbe('throws-at-import.ts'),
      duringrun: moduleProbe('throws-during-run.ts'),
      notprobe: moduleProbe('not-a-probe.mjs'),
      hangs: moduleProbe('never-settles.ts'),
      fine: moduleProbe('healthy.ts', { thresholds: ['messages > 0'] }),
    },
  });
  const p = run.verdict.probes;
  assert.equal(p.atimport!.error, `${fixture('throws-at-import.ts')}: threw while being imported: config.json is missing`);
  assert.match(p.atimport!.stack!, /at loadConfig \(file:.*throws-at-import\.ts:4:9\)/);
  assert.equal(p.duringrun!.error, 'tick 3: order book out of sync');
  assert.match(p.duringrun!.stack!, /at onTick \(file:.*throws-during-run\.ts:4:21\)/);
  assert.equal(p.notprobe!.error, `${fixture('not-a-probe.mjs')}: expected \`export default defineProbe(async (ctx) => { … })\` from "exsoak/probe", got a default export of type object`);
  assert.equal(p.hangs!.error, 'did not settle within stopGrace (500 ms) after it was asked to stop; its thread was terminated');
  for (const name of ['atimport', 'duringrun', 'notprobe', 'hangs']) {
    assert.equal(p[name]!.status, 'crashed', name);
    assert.equal(p[name]!.pass, false, name);
  }
  assert.equal(p.fine!.pass, true, JSON.stringify(p.fine));
  assert.equal(p.fine!.status, 'stopped');
});
