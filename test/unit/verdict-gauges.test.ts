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

test('the early signal latches, the verdict does not: a rise confirmed then flat is 2 on /metrics, then 3 (bounded), PASS', async () => {
  const { bus, registry, engine } = setup();
  const leaks: string[] = [];
  bus.on('event', (e) => {
    if (e.kind === 'leak') leaks.push(String(e.data?.status));
  });
  const statuses: number[] = [];
  // 1 MB per minute for 12 minutes, then flat for 40: a cache that filled.
  for (let i = 0; i < 52; i++) {
    const t = i * 60_000;
    const noise = ((i * 7919) % 13) * 2048;
    bus.emit('sample', sample('lk', t, { heapUsed: 50 * MB, heapFloor: 20 * MB + Math.min(i, 12) * MB + noise, heapFloorMajor: true }));
    bus.emit('sample', sample('ok', t, { heapFloor: 20 * MB, heapFloorMajor: true }));
    bus.emit('sample', sample('process', t, { rss: 50 * MB }));
    statuses.push(promValue(parsePromText(await registry.metrics()), 'exsoak_probe_leak_status', { probe: 'lk' })!);
  }
  const firstTwo = statuses.indexOf(2);
  assert.ok(firstTwo > 0 && firstTwo < 12, `confirmed while it rose: ${statuses.join('')}`);
  const firstThree = statuses.indexOf(3);
  assert.ok(firstThree > firstTwo, statuses.join(''));
  assert.ok(statuses.slice(firstTwo, firstThree).every((s) => s === 2), `held at 2 until bounded: ${statuses.join('')}`);
  assert.equal(statuses.at(-1), 3, `${statuses.join("")}: ${engine.leakReport("lk")?.reason}`);
  assert.deepEqual([...new Set(leaks)], ['suspected', 'confirmed', 'bounded']);
  const v = engine.verdict('unit', 'completed', 52 * 60_000).probes.lk!;
  assert.equal(v.leak?.status, 'bounded', v.leak?.reason);
  assert.ok(v.criteria.some((c) => c.expr === 'no confirmed leak' && c.pass && /bounded/.test(String(c.value))), JSON.stringify(v.criteria));
  assert.equal(promValue(parsePromText(await registry.metrics()), 'exsoak_threshold_ok', { probe: 'lk', threshold: 'no confirmed leak' }), 1);
});

test('leak.abortOnConfirmed stops the run at the first confirmation and keeps that criterion failed', () => {
  const bus = new Bus();
  const aborts: string[] = [];
  const engine = new VerdictEngine({ bus, probes: [{ name: 'lk', kind: 'leaky', thresholds: [] }], process: [], startedAt: 0, leak: { ...leak, abortOnConfirmed: true }, onAbort: (b) => aborts.push(`${b.scope}: ${b.criterion.expr}`) });
  for (let i = 0; i < 40; i++) bus.emit('sample', sample('lk', i * 60_000, { heapFloor: 20 * MB + i * MB, heapFloorMajor: true }));
  assert.deepEqual(aborts, ['lk: no confirmed leak']);
  const c = engine.verdict('unit', 'aborted', 40 * 60_000).probes.lk!.criteria.find((x) => x.expr === 'no confirmed leak');
  assert.equal(c?.pass, false);
  assert.match(c!.note!, /aborted \(leak\.abortOnConfirmed\)/);
  // Without the key the run goes on.
  const calm = new VerdictEngine({ bus: new Bus(), probes: [{ name: 'lk', kind: 'leaky', thresholds: [] }], process: [], startedAt: 0, leak, onAbort: () => assert.fail('no abort asked') });
  void calm;
});
