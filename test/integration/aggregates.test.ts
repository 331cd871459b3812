// Every aggregate the threshold grammar accepts, on every metric of each scope, either evaluates
// on a real run or is refused when the scenario loads (exit 2) with a message naming it: the
// catalogue (src/shared/catalogue.ts) serves both, so the two cannot drift apart again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AGGREGATES, parseThreshold } from '../../src/shared/threshold.ts';
import { LEAK_FIELDS, LEVEL_METRICS, RATIO_METRICS, resolveMetric, type Scope } from '../../src/shared/catalogue.ts';
import { kindMetrics, probeKind, registerProbeKind } from '../../src/probes/index.ts';
import { loadScenarios, ScenarioError } from '../../src/scenario/load.ts';
import { descriptor, validation } from '../fixtures/probe-kind/ticker.ts';
import { runScenario, tempDir, writeScenario } from '../helpers/run.ts';
import { runCli } from '../helpers/cli.ts';

if (!probeKind('ticker')) registerProbeKind(descriptor, validation);

/** Every metric name a scope can be asked about: its levels, ratios, leak figures, the ticker's counter and gauge. */
function names(scope: Scope): string[] {
  const levels = LEVEL_METRICS.filter((m) => m.scopes.includes(scope)).map((m) => m.name);
  const leak = Object.keys(LEAK_FIELDS).map((f) => `leak.${f}`);
  return scope === 'probe' ? [...levels, ...RATIO_METRICS, ...leak, 'ticks.odd', 'queue_depth'] : [...levels, ...leak, 'error_rate'];
}

function expressions(scope: Scope): string[] {
  return names(scope).flatMap((name) => [name, ...AGGREGATES.map((a) => `${name}.${a}`)].map((m) => `${m} > -1e18`));
}

function split(scope: Scope) {
  const accepted: string[] = [];
  const refused: { expr: string; message: string }[] = [];
  for (const expr of expressions(scope)) {
    const r = resolveMetric(parseThreshold(expr), scope, scope === 'probe' ? kindMetrics('ticker') : undefined);
    if (r.ok) accepted.push(expr);
    else refused.push({ expr, message: r.message });
  }
  return { accepted, refused };
}

test('every refused aggregate is refused at load, naming the expression and what is available', () => {
  const dir = tempDir();
  let checked = 0;
  for (const scope of ['probe', 'process'] as const) {
    const { refused } = split(scope);
    assert.ok(refused.length > 0);
    for (const { expr } of refused) {
      const th = parseThreshold(expr);
      const shown = th.aggregate ? `${th.metric}.${th.aggregate}` : th.metric;
      const scenario = {
        name: 'agg',
        duration: '1s',
        probes: { t: { kind: 'ticker', ...(scope === 'probe' ? { thresholds: [expr] } : {}) } },
        ...(scope === 'process' ? { process: { thresholds: [expr] } } : {}),
      };
      const file = writeScenario(dir, scenario, `refused-${checked}.yaml`);
      assert.throws(
        () => loadScenarios([file]),
        (err: unknown) =>
          err instanceof ScenarioError &&
          err.message.includes(`${scope === 'probe' ? 'probes.t' : 'process'}.thresholds.0`) &&
          (err.message.includes(`"${shown}"`) || err.message.includes(`"${th.aggregate}"`) || err.message.includes(`"${th.metric}"`)),
        `${scope}: ${expr}`,
      );
      checked++;
    }
  }
  assert.ok(checked > 50, `checked ${checked}`);
});

test('every accepted aggregate evaluates to a number on a real run (probe and process scope)', async () => {
  const probe = split('probe').accepted;
  const proc = split('process').accepted;
  // Leak figures need a trend of floors: a short warm-up and many points.
  const outcome = await runScenario({
    name: 'aggregates',
    duration: '4s',
    sampleInterval: '100ms',
    gcFloorInterval: '200ms',
    leak: { warmup: '0s', minGrowth: '1KB' },
    probes: { t: { kind: 'ticker', options: { rate: 200 }, thresholds: probe } },
    process: { thresholds: proc },
  });
  const unevaluated = [
    ...outcome.verdict.probes.t!.criteria.filter((c) => probe.includes(c.expr) && c.value === null).map((c) => `probe ${c.expr}: ${c.note}`),
    ...outcome.verdict.process.criteria.filter((c) => c.value === null).map((c) => `process ${c.expr}: ${c.note}`),
  ];
  assert.deepEqual(unevaluated, []);
  assert.equal(outcome.verdict.probes.t!.criteria.filter((c) => probe.includes(c.expr)).length, probe.length);
  assert.equal(outcome.verdict.process.criteria.length, proc.length);
  assert.ok(probe.includes('heap_used_mb.p99 > -1e18') && proc.includes('rss_mb.p50 > -1e18'), 'percentiles are among the accepted');
});

test('a refused aggregate is exit 2 from the CLI, before anything starts', async () => {
  const dir = tempDir();
  const file = writeScenario(dir, { name: 'agg', duration: '1s', probes: { i: { kind: 'idle', thresholds: ['cpu_pct.final_ratio < 2'] } } });
  const r = await runCli(['run', file, '--out', `${dir}/run`]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /probes\.i\.thresholds\.0: aggregate "final_ratio" is not available for cpu_pct/);
});
