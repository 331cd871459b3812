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
    // Nothing the engine wrote is unknown to the schema (an unknown key would be dropped here).
    assert.deepEqual(read.verdict, written);
  }
  written.probes.a.leak.status = 'leaking-a-bit';
  assert.equal(parseVerdict(written).ok, false, 'an unknown status is still refused');
});

test('a key of a newer writer passes (and is dropped); a wrong type names its key', () => {
  const verdict = {
    pass: true, scenario: 's', partial: false, reason: 'completed', durationMs: 1000, newTopLevel: 1,
    probes: { a: { pass: true, kind: 'idle', status: 'stopped', criteria: [], leak: { status: 'none', points: 3, budgetMb: 50, newField: 'x' } } },
    process: { pass: true, criteria: [{ expr: 'rss_mb < 10', value: null, pass: true }] },
  };
  const read = parseVerdict(verdict);
  assert.ok(read.ok, read.ok ? '' : read.problem);
  assert.equal('newTopLevel' in read.verdict, false);
  assert.equal('newField' in read.verdict.probes.a!.leak!, false);
  const wrong = structuredClone(verdict) as unknown as { probes: { a: { leak: Record<string, unknown> } } };
  wrong.probes.a.leak.heldBy = 'gravity';
  const refused = parseVerdict(wrong);
  assert.equal(refused.ok, false);
  assert.match(refused.ok ? '' : refused.problem, /^probes\.a\.leak\.heldBy: /);
});
