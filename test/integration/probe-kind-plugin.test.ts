// A kind registered from a fixture folder runs end to end — scenario validation, its worker,
// its counters and gauges in thresholds, bisect variants — with no exsoak file edited for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerProbeKind, probeKind, kindMetrics } from '../../src/probes/index.ts';
import { descriptor, validation } from '../fixtures/probe-kind/ticker.ts';
import { runScenario, tempDir, writeScenario } from '../helpers/run.ts';
import { loadScenarios, ScenarioError } from '../../src/scenario/load.ts';
import { bisectVariants } from '../../src/supervisor/bisect.ts';

registerProbeKind(descriptor, validation); // the one registration line

test('a test-only kind: validated options, its own counters and gauges judged, bisect variants', async () => {
  assert.equal(probeKind('ticker'), descriptor);
  assert.ok(kindMetrics('ticker').isCounter('ticks.odd'));

  const dir = tempDir();
  const bad = writeScenario(dir, { name: 'bad', duration: '1s', probes: { t: { kind: 'ticker', options: { rate: 'fast' } } } });
  assert.throws(() => loadScenarios([bad]), (err: unknown) => err instanceof ScenarioError && /probes\.t\.options\.rate/.test(err.message));
  const typo = writeScenario(dir, { name: 'typo', duration: '1s', probes: { t: { kind: 'ticker', thresholds: ['tick.odd > 0'] } } }, 'typo.yaml');
  assert.throws(() => loadScenarios([typo]), (err: unknown) => err instanceof ScenarioError && /unknown metric "tick\.odd" for a ticker probe/.test(err.message));

  const outcome = await runScenario({
    name: 'plugin',
    duration: '3s',
    sampleInterval: '250ms',
    probes: {
      t: {
        kind: 'ticker',
        options: { rate: 100 },
        thresholds: ['msg_rate.avg > 20', 'ticks.odd > 10', 'ticks.even.count > 10', 'queue_depth <= 2', 'messages > 1000000'],
      },
    },
  });
  const criteria = Object.fromEntries(outcome.verdict.probes.t!.criteria.map((c) => [c.expr, c]));
  assert.equal(criteria['msg_rate.avg > 20']!.pass, true, JSON.stringify(criteria));
  assert.equal(criteria['ticks.odd > 10']!.pass, true);
  assert.equal(criteria['ticks.even.count > 10']!.pass, true);
  assert.equal(criteria['queue_depth <= 2']!.pass, true);
  assert.equal(criteria['messages > 1000000']!.pass, false, 'a criterion on the kind can fail');
  assert.equal(outcome.verdict.probes.t!.kind, 'ticker');

  const loaded = loadScenarios([writeScenario(dir, { name: 'b', duration: '1s', probes: { t: { kind: 'ticker' } } }, 'b.yaml')]);
  assert.ok(bisectVariants(loaded).some((v) => v.label.includes('slow')));
});

test('an unknown kind, a kind naming an unknown venue and an unknown simulator fail loudly', () => {
  const dir = tempDir();
  const unknown = writeScenario(dir, { name: 'u', duration: '1s', probes: { x: { kind: 'nope' } } });
  assert.throws(() => loadScenarios([unknown]), /probes\.x\.kind: unknown probe kind "nope" \(expected one of .*ticker/);
  assert.throws(() => registerProbeKind({ ...descriptor, kind: 'ticker2', venue: 'kraken' }), /names venue "kraken", which is not registered/);
  assert.throws(() => registerProbeKind(descriptor), /registered twice/);
  const sim = writeScenario(dir, { name: 's', duration: '1s', simulators: { kraken: {} }, probes: { x: { kind: 'idle' } } }, 's.yaml');
  assert.throws(() => loadScenarios([sim]), /simulators\.kraken: unknown simulator "kraken" \(expected one of binance, bitunix\)/);
});
