import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Bus } from '../../src/bus/bus.ts';
import { VerdictEngine } from '../../src/verdict/engine.ts';
import { loadScenarios, maxProbes } from '../../src/scenario/load.ts';
import { makeSample as sample } from '../helpers/samples.ts';
import { tempDir, writeScenario } from '../helpers/run.ts';

const MB = 1024 * 1024;
const leak = { warmupMs: 0, budgetBytes: 50 * MB, nominalMs: 3_600_000, alpha: 0.01, confirmations: 3, maxPoints: 64, minGrowthBytes: MB, failOnConfirmed: true };

function engine(maxUnresponsiveShare?: number) {
  const bus = new Bus();
  const e = new VerdictEngine({ bus, probes: [{ name: 'a', kind: 'idle', thresholds: [] }, { name: 'b', kind: 'idle', thresholds: [] }], process: [], startedAt: 0, leak, maxUnresponsiveShare });
  return { bus, e };
}

test('#18.7 a blocked probe fails: unresponsive in more than the allowed share of its samples', () => {
  const { bus, e } = engine();
  for (let i = 0; i < 10; i++) {
    bus.emit('sample', { ...sample('a', i * 1000), ...(i >= 2 ? { unresponsive: true } : {}) });
    bus.emit('sample', { ...sample('b', i * 1000), ...(i === 5 ? { unresponsive: true } : {}) });
  }
  const v = e.verdict('s', 'completed', 10_000);
  assert.equal(v.probes.a!.pass, false);
  assert.deepEqual(v.probes.a!.criteria.map((c) => [c.expr, c.value]), [['unresponsive share <= 0.2', 0.8]]);
  assert.equal(v.probes.b!.pass, true, 'one blocked sample in ten is within 0.2');
  assert.equal(v.pass, false);
});

test('#18.7 the unresponsive share is configurable (maxUnresponsiveShare)', () => {
  const { bus, e } = engine(0.9);
  for (let i = 0; i < 10; i++) bus.emit('sample', { ...sample('a', i * 1000), ...(i >= 2 ? { unresponsive: true } : {}) });
  bus.emit('sample', sample('b', 0));
  assert.equal(e.verdict('s', 'completed', 10_000).probes.a!.pass, true);
});

test('#18.7 a probe terminated after the stop grace fails; a sampler that lags says so', () => {
  const { bus, e } = engine();
  bus.emit('sample', sample('a', 0));
  bus.emit('sample', sample('b', 0));
  bus.emit('event', { t: 1, probe: 'a', kind: 'exit', data: { reason: 'terminated after the stop grace period' } });
  bus.emit('event', { t: 1, probe: 'b', kind: 'exit', data: { reason: 'stop' } });
  bus.emit('event', { t: 2, probe: 'process', kind: 'sampler-lag', data: { intervalMs: 1000, worstGapMs: 4200, lateTicks: 5 } });
  const v = e.verdict('s', 'completed', 10_000);
  assert.equal(v.probes.a!.pass, false);
  assert.equal(v.probes.a!.criteria.at(-1)!.expr, 'stopped when asked');
  assert.equal(v.probes.b!.pass, true);
  const lag = v.process.criteria.find((c) => c.expr === 'sampler kept its interval');
  assert.ok(lag, 'the lag is in the verdict');
  assert.match(String(lag.value), /5 late tick\(s\), worst gap 4200 ms/);
});

test('#18.7 too many probes for the machine are refused up front, the limit named', () => {
  const dir = tempDir();
  const limit = maxProbes();
  assert.equal(maxProbes(2), 64);
  const probes = Array.from({ length: limit + 1 }, (_, i) => `  p${i}: { kind: idle }`).join('\n');
  const file = writeScenario(dir, `name: many\nduration: 1s\nprobes:\n${probes}\n`);
  assert.throws(() => loadScenarios([file]), new RegExp(`${path.basename(file)}: probes: ${limit + 1} probes in one run; at most ${limit}`));
  const ok = writeScenario(dir, `name: ok\nduration: 1s\nprobes:\n${probes.split('\n').slice(0, limit).join('\n')}\n`, 'ok.yaml');
  assert.equal(loadScenarios([ok]).probes.length, limit);
});
