// verdict.json as the engine writes it reads back through the schema `report` and `compare`
// use, whatever the leak status: the schema once listed four of the five, and `exsoak report`
// refused every run whose leak check was `inconclusive` (a short run's usual outcome).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bus } from '../../src/bus/bus.ts';
import { LEAK_STATUSES } from '../../src/bus/verdict.ts';
import { parseVerdict } from '../../src/bus/verdict-schema.ts';
import { VerdictEngine } from '../../src/verdict/engine.ts';
import { makeSample } from '../helpers/samples.ts';

const MB = 1024 * 1024;
const leak = { warmupMs: 0, budgetBytes: 50 * MB, nominalMs: 3_600_000, alpha: 0.01, confirmations: 3, maxPoints: 64, minGrowthBytes: MB, failOnConfirmed: true };

test('a verdict the engine wrote reads back with every leak status, probe and process alike', () => {
  const bus = new Bus();
  const engine = new VerdictEngine({ bus, probes: [{ name: 'a', kind: 'idle', thresholds: [] }], process: [], startedAt: 0, leak });
  for (let i = 0; i < 20; i++) {
    bus.emit('sample', makeSample('a', i * 1000, { heapFloor: (10 + (i % 3)) * MB }));
    bus.emit('sample', makeSample('process', i * 1000, { rss: (100 + (i % 5)) * MB }));
  }
  // Through JSON, as the file is read.
  const written = JSON.parse(JSON.stringify(engine.verdict('s', 'completed', 20_000))) as { probes: { a: { leak: { status: string } } }; process: { leak?: { rss?: { status: string } } } };
  assert.ok(written.process.leak?.rss, 'the process has an RSS trend in verdict.json');
  for (const status of LEAK_STATUSES) {
    written.probes.a.leak.status = status;
    written.process.leak!.rss!.status = status;
    const read = parseVerdict(written);
    assert.ok(read.ok, `${status}: ${read.ok ? '' : read.problem}`);
  }
  written.probes.a.leak.status = 'leaking-a-bit';
  assert.equal(parseVerdict(written).ok, false, 'an unknown status is still refused');
});
