// The plan `exsoak run` hands to its supervising image (src/cli/plan.ts) arrives as it left:
// every shipped scenario, its Infinity and undefined values, and probe metric matchers that
// answer as the loader's did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenarios } from '../../src/scenario/load.ts';
import { decodePlan, encodePlan, type RunPlan } from '../../src/cli/plan.ts';

const SCENARIOS = fileURLToPath(new URL('../../scenarios/', import.meta.url));

function withoutMatchers(plan: RunPlan): unknown {
  return { ...plan, loaded: { ...plan.loaded, probes: plan.loaded.probes.map(({ metrics, ...p }) => ({ ...p, names: metrics.names, label: metrics.label })) } };
}

for (const name of readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml'))) {
  test(`run plan round trip: scenarios/${name}`, () => {
    const loaded = loadScenarios([path.join(SCENARIOS, name)], { duration: 120_000 });
    const plan: RunPlan = { loaded, overwrite: false, injectLeaks: { x: 1024 }, progress: true, logLevel: 'info', json: false, signals: ['SIGINT'], out: undefined };
    const back = decodePlan(encodePlan(plan));
    assert.deepEqual(withoutMatchers(back), withoutMatchers(plan));
    for (const [i, probe] of loaded.probes.entries()) {
      for (const metric of [...probe.metrics.names, 'messages', 'no_such_metric']) {
        assert.equal(back.loaded.probes[i]!.metrics.isCounter(metric), probe.metrics.isCounter(metric), `${probe.name} ${metric}`);
        assert.equal(back.loaded.probes[i]!.metrics.isGauge(metric), probe.metrics.isGauge(metric), `${probe.name} ${metric}`);
      }
    }
  });
}

test('run plan keeps Infinity (binance maxReconnectAttempts: unlimited)', () => {
  const loaded = loadScenarios([{ document: { name: 'inf', duration: '1m', probes: { b: { kind: 'binance', options: { maxReconnectAttempts: 'unlimited' } } } }, label: 'inline.yaml', baseDir: SCENARIOS }]);
  const back = decodePlan(encodePlan({ loaded, overwrite: false, injectLeaks: {}, progress: false, logLevel: 'info', json: true, signals: [] }));
  assert.equal(back.loaded.probes[0]!.options.maxReconnectAttempts, Infinity);
});
