import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bus } from '../../src/bus/bus.ts';
import { VerdictEngine } from '../../src/verdict/engine.ts';
import { ThresholdSchema } from '../../src/scenario/schema.ts';
import { makeSample as sample } from '../helpers/samples.ts';

const MB = 1024 * 1024;
const leak = { warmupMs: 0, budgetBytes: 50 * MB, nominalMs: 3_600_000, alpha: 0.01, confirmations: 3, maxPoints: 64, minGrowthBytes: MB, failOnConfirmed: true };
const th = (v: unknown) => ThresholdSchema.parse(v);


test('"over 10m" looks only at the last ten minutes', () => {
  const bus = new Bus();
  const engine = new VerdictEngine({
    bus,
    probes: [{ name: 'p', kind: 'idle', thresholds: [th('cpu_pct.avg < 30 over 10m'), th('cpu_pct.avg < 30')] }],
    process: [],
    startedAt: 0,
    leak,
  });
  // 50 minutes busy, then 10 minutes quiet: the window passes, the whole-run average does not.
  for (let m = 0; m <= 60; m++) bus.emit('sample', sample('p', m * 60_000, { cpu: m <= 50 ? 80 : 5 }));
  const [windowed, whole] = engine.verdict('s', 'completed', 3_600_000).probes.p!.criteria;
  assert.equal(windowed!.pass, true, JSON.stringify(windowed));
  assert.ok((windowed!.value as number) < 30);
  assert.equal(whole!.pass, false);
});

test('an abort-on-fail threshold fires once, on the first failing sample after its delay, and stays failed', () => {
  const bus = new Bus();
  const aborts: string[] = [];
  const engine = new VerdictEngine({
    bus,
    probes: [{ name: 'p', kind: 'idle', thresholds: [th({ threshold: 'heap_used_mb.max < 50', abortOnFail: true, delayAbortEval: '10s' })] }],
    process: [],
    startedAt: 0,
    leak,
    onAbort: (b) => aborts.push(`${b.scope}:${b.criterion.expr}`),
  });
  bus.emit('sample', sample('p', 5_000, { heapUsed: 80 * MB })); // during the delay: no abort
  assert.deepEqual(aborts, []);
  bus.emit('sample', sample('p', 11_000, { heapUsed: 81 * MB }));
  bus.emit('sample', sample('p', 12_000, { heapUsed: 82 * MB }));
  assert.deepEqual(aborts, ['p:heap_used_mb.max < 50']);
  // Afterwards the heap falls (teardown, snapshot GC): the verdict keeps the failure it aborted on.
  bus.emit('sample', sample('p', 13_000, { heapUsed: 5 * MB }));
  const c = engine.verdict('s', 'aborted', 13_000).probes.p!.criteria[0]!;
  assert.equal(c.pass, false);
  assert.equal(c.value, 81);
});

test('a crashed probe fails its own verdict; a probe never sampled fails too', () => {
  const bus = new Bus();
  const engine = new VerdictEngine({
    bus,
    probes: [{ name: 'a', kind: 'idle', thresholds: [] }, { name: 'b', kind: 'idle', thresholds: [] }, { name: 'c', kind: 'idle', thresholds: [] }],
    process: [],
    startedAt: 0,
    leak,
  });
  bus.emit('sample', sample('a', 1000));
  bus.emit('sample', sample('b', 1000));
  bus.emit('event', { t: 1500, probe: 'b', kind: 'crash', data: { error: 'boom' } });
  const v = engine.verdict('s', 'completed', 2000);
  assert.equal(v.probes.a!.pass, true);
  assert.equal(v.probes.b!.pass, false);
  assert.equal(v.probes.b!.error, 'boom');
  assert.equal(v.probes.c!.pass, false);
  assert.equal(v.pass, false);
});
