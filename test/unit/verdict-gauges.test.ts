import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { Bus } from '../../src/bus/bus.ts';
import type { VerdictProgress } from '../../src/bus/types.ts';
import { VerdictEngine } from '../../src/verdict/engine.ts';
import { ThresholdSchema } from '../../src/scenario/schema.ts';
import { RunSeries } from '../../src/metrics/series.ts';
import { msgRateFloor, VerdictGauges } from '../../src/metrics/verdict-gauges.ts';
import { makeSample as sample } from '../helpers/samples.ts';
import { parsePromText, promValue } from '../helpers/prom-text.ts';

const MB = 1024 * 1024;
const leak = { warmupMs: 0, budgetBytes: 50 * MB, nominalMs: 24 * 3_600_000, alpha: 0.01, confirmations: 3, maxPoints: 64, minGrowthBytes: MB, failOnConfirmed: true };
const th = (v: unknown) => ThresholdSchema.parse(v);

function setup() {
  const bus = new Bus();
  const registry = new Registry();
  const gauges = new VerdictGauges(registry);
  const series = new RunSeries(registry);
  bus.on('run:start', (i) => {
    series.onRunStart(i);
    gauges.onRunStart(i);
  });
  bus.on('verdict:progress', (p) => gauges.onProgress(p));
  const progress: VerdictProgress[] = [];
  bus.on('verdict:progress', (p) => progress.push(p));
  const engine = new VerdictEngine({
    bus,
    probes: [
      { name: 'lk', kind: 'leaky', thresholds: [th('heap_used_mb.max < 100'), th('msg_rate.avg > 10')] },
      { name: 'ok', kind: 'idle', thresholds: [th('heap_used_mb.max < 100')] },
    ],
    process: [th('rss_mb.max < 100')],
    startedAt: 0,
    leak,
  });
  bus.emit('run:start', {
    scenario: 'unit',
    startedAt: 0,
    durationMs: 60_000,
    nominalDurationMs: 60_000,
    sampleIntervalMs: 1000,
    probes: [
      { name: 'lk', kind: 'leaky' },
      { name: 'ok', kind: 'idle' },
    ],
    runId: 'unit-20260101-000000',
    host: 'h1',
  });
  return { bus, registry, progress, engine };
}

test('verdict:progress once per tick (on the process sample), and the verdict series follow it live', async () => {
  const { bus, registry, progress } = setup();
  let f = parsePromText(await registry.metrics());
  assert.equal(promValue(f, 'exsoak_run_info', { scenario: 'unit', run_id: 'unit-20260101-000000', host: 'h1' }), 1);
  assert.equal(promValue(f, 'exsoak_probe_leak_status', { probe: 'lk' }), 0, 'present at 0 from the start');
  assert.equal(promValue(f, 'exsoak_probe_failed', { probe: 'ok' }), 0);
  assert.equal(f.get('exsoak_threshold_ok')?.samples.length ?? 0, 0, 'nothing evaluated before a sample');

  // lk's heap floor grows 60 MB/h (far over a 50 MB/24 h budget); ok's stays flat.
  for (let i = 0; i < 40; i++) {
    const t = i * 60_000;
    bus.emit('sample', sample('lk', t, { heapUsed: 150 * MB, heapFloor: 20 * MB + i * MB, heapFloorMajor: true }));
    bus.emit('sample', sample('ok', t, { heapUsed: 20 * MB, heapFloor: 20 * MB, heapFloorMajor: true }));
    assert.equal(progress.length, i, 'no progress before the tick is complete');
    bus.emit('sample', sample('process', t, { rss: 50 * MB }));
    assert.equal(progress.length, i + 1);
  }
  const last = progress.at(-1)!;
  assert.equal(last.probes.lk!.leak.status, 'confirmed');
  assert.ok(Math.abs(last.probes.lk!.leak.slopeMbPerH! - 60) < 1, JSON.stringify(last.probes.lk!.leak));
  assert.deepEqual(Object.keys(last.probes).sort(), ['lk', 'ok', 'process']);

  f = parsePromText(await registry.metrics());
  assert.equal(promValue(f, 'exsoak_probe_leak_status', { probe: 'lk' }), 2);
  assert.equal(promValue(f, 'exsoak_probe_leak_status', { probe: 'ok' }), 0);
  const slope = promValue(f, 'exsoak_probe_leak_slope_bytes_per_hour', { probe: 'lk', bound: 'estimate' })!;
  assert.ok(Math.abs(slope - 60 * MB) < MB, String(slope));
  const low = promValue(f, 'exsoak_probe_leak_slope_bytes_per_hour', { probe: 'lk', bound: 'low' })!;
  const high = promValue(f, 'exsoak_probe_leak_slope_bytes_per_hour', { probe: 'lk', bound: 'high' })!;
  assert.ok(low <= slope && slope <= high);
  assert.equal(promValue(f, 'exsoak_threshold_ok', { probe: 'lk', threshold: 'heap_used_mb.max < 100' }), 0);
  assert.equal(promValue(f, 'exsoak_threshold_ok', { probe: 'ok', threshold: 'heap_used_mb.max < 100' }), 1);
  assert.equal(promValue(f, 'exsoak_threshold_ok', { probe: 'process', threshold: 'rss_mb.max < 100' }), 1);
  assert.equal(promValue(f, 'exsoak_threshold_ok', { probe: 'lk', threshold: 'no confirmed leak' }), 0);
  // The leaky kind reports no messages counter: msg_rate cannot be judged, so it is absent, not 0 or 1.
  assert.equal(promValue(f, 'exsoak_threshold_ok', { probe: 'lk', threshold: 'msg_rate.avg > 10' }), undefined);
  assert.equal(promValue(f, 'exsoak_probe_msg_rate_floor', { probe: 'lk' }), 10);
  assert.equal(promValue(f, 'exsoak_probe_msg_rate_floor', { probe: 'ok' }), undefined);
});

test('a crash shows as exsoak_probe_failed 1 on the next tick', async () => {
  const { bus, registry } = setup();
  bus.emit('sample', sample('lk', 0));
  bus.emit('sample', sample('ok', 0));
  bus.emit('event', { t: 500, probe: 'ok', kind: 'crash', data: { error: 'boom' } });
  bus.emit('sample', sample('process', 1000));
  const f = parsePromText(await registry.metrics());
  assert.equal(promValue(f, 'exsoak_probe_failed', { probe: 'ok' }), 1);
  assert.equal(promValue(f, 'exsoak_probe_failed', { probe: 'lk' }), 0);
  assert.equal(promValue(f, 'exsoak_threshold_ok', { probe: 'ok', threshold: 'no crash' }), 0);
});

test('no listener, no work: the engine computes progress only when someone subscribes', () => {
  const bus = new Bus();
  const engine = new VerdictEngine({ bus, probes: [{ name: 'a', kind: 'idle', thresholds: [] }], process: [], startedAt: 0, leak });
  let calls = 0;
  const original = engine.verdict.bind(engine);
  engine.verdict = (...args) => (calls++, original(...args));
  bus.emit('sample', sample('process', 0));
  assert.equal(calls, 0);
  bus.on('verdict:progress', () => {});
  bus.emit('sample', sample('process', 1000));
  assert.equal(calls, 1);
});

test('msg-rate floor: only "msg_rate[.agg] > N" or ">= N" thresholds are floors', () => {
  assert.equal(msgRateFloor('msg_rate.avg > 10'), 10);
  assert.equal(msgRateFloor('msg_rate >= 2.5 over 10m'), 2.5);
  assert.equal(msgRateFloor('msg_rate.avg < 10'), undefined);
  assert.equal(msgRateFloor('heap_used_mb.max > 10'), undefined);
  assert.equal(msgRateFloor('msg_rate_x > 10'), undefined);
});

test('the Grafana dashboard has a host selector and charts the live verdict', () => {
  const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana-dashboard.json', import.meta.url), 'utf8'));
  const vars = Object.fromEntries(dashboard.templating.list.map((v: { name: string }) => [v.name, v]));
  assert.match(vars.host.definition, /label_values\(exsoak_run_info, host\)/);
  assert.match(vars.instance.definition, /exsoak_run_info\{host=~"\$host"\}/);
  const exprs: string[] = dashboard.panels.flatMap((p: { targets?: { expr: string }[] }) => (p.targets ?? []).map((t) => t.expr));
  for (const name of ['exsoak_probe_leak_status', 'exsoak_probe_leak_slope_bytes_per_hour', 'exsoak_threshold_ok', 'exsoak_probe_failed']) {
    assert.ok(exprs.some((e) => e.includes(name)), `a panel charts ${name}`);
  }
  // Every series is narrowed to the selected hosts' instances.
  for (const expr of exprs) {
    for (const m of expr.matchAll(/\b(?:exsoak_|process_|binance_)[a-z_]+\b(\{[^}]*\})?/g)) assert.match(m[1] ?? '', /instance=~"\$instance"/, expr);
  }
});
