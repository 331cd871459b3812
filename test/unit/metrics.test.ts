import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import promClient, { Registry } from 'prom-client';
import { collectDefaultMetrics } from '../../src/metrics/prom.ts';
import { Bus } from '../../src/bus/bus.ts';
import { makeSample as sample } from '../helpers/samples.ts';
import { CONTRACT } from '../helpers/metrics-contract.ts';
import type { Sample } from '../../src/bus/types.ts';
import { MonotonicDeltas } from '../../src/metrics/monotonic.ts';
import { DEFAULT_METRICS_PREFIX, RunSeries } from '../../src/metrics/series.ts';
import { MetricsPortError, startMetrics } from '../../src/metrics/server.ts';
import { VerdictGauges } from '../../src/metrics/verdict-gauges.ts';
import { parsePromText, promValue, PromParseError } from '../helpers/prom-text.ts';

const MB = 1024 * 1024;



function runStart(bus: Bus, probes: { name: string; kind: string }[]) {
  bus.emit('run:start', { scenario: 'unit', startedAt: 1_700_000_000_000, durationMs: 60_000, nominalDurationMs: 60_000, sampleIntervalMs: 1000, probes });
}

async function scrape(registry: Registry) {
  return parsePromText(await registry.metrics());
}

function series() {
  const bus = new Bus();
  const registry = new Registry();
  const s = new RunSeries(registry);
  bus.on('run:start', (i) => s.onRunStart(i));
  bus.on('sample', (x) => s.onSample(x));
  bus.on('event', (e) => s.onEvent(e));
  return { bus, registry };
}

test('cumulative totals become increments; a total that goes down counts in full (restart)', () => {
  const d = new MonotonicDeltas();
  assert.equal(d.delta('a', 5), 5);
  assert.equal(d.delta('a', 8), 3);
  assert.equal(d.delta('a', 8), 0);
  assert.equal(d.delta('a', 2), 2, 'restarted from 0, counted 2 since');
  assert.equal(d.delta('a', 10), 8);
  assert.equal(d.delta('a', Number.NaN), 0);
  assert.equal(d.delta('a', -1), 0);
  d.reset('a');
  assert.equal(d.delta('a', 4), 4);
});

test('every contract series exists with probe labels from run:start, before any sample', async () => {
  const { bus, registry } = series();
  runStart(bus, [
    { name: 'bn', kind: 'binance' },
    { name: 'lk', kind: 'leaky' },
  ]);
  bus.emit('sample', sample('bn', 1, { heapFloor: 10 * MB, heapFloorMajor: true, gauges: { state: 0 } }));
  bus.emit('sample', sample('lk', 1, { heapFloor: 10 * MB, heapFloorMajor: true, gauges: { state: 0 } }));
  bus.emit('sample', sample('process', 1));
  const f = await scrape(registry);
  for (const name of CONTRACT) {
    const family = f.get(name);
    assert.ok(family, `missing series ${name}`);
    assert.ok(family.help && family.help.length > 10, `${name} has a HELP text`);
    if (name.startsWith('exsoak_probe_')) {
      for (const probe of ['bn', 'lk']) assert.ok(family.samples.some((s) => s.labels.probe === probe), `${name}{probe="${probe}"}`);
    }
  }
  // Binance's message counter only for binance-kind probes.
  assert.deepEqual(f.get('binance_messages_received_total')!.samples.map((s) => s.labels.probe), ['bn']);
  assert.equal(promValue(f, 'exsoak_probe_drops_total', { probe: 'lk', kind: 'unscheduled' }), 0);
  assert.equal(promValue(f, 'exsoak_probe_info', { probe: 'bn', kind: 'binance' }), 1);
  assert.equal(f.get('exsoak_probe_reconnects_total')!.type, 'counter');
  assert.equal(f.get('exsoak_probe_heap_used_bytes')!.type, 'gauge');
});

test('samples move the gauges and counters; a counter reset never makes a Prometheus counter go down', async () => {
  const { bus, registry } = series();
  runStart(bus, [{ name: 'bn', kind: 'binance' }]);
  const counters = (messages: number, extra: Record<string, number> = {}) => ({ messages, ws_reconnects: 1, 'drops.scheduled': 2, 'drops.unscheduled': 1, errors: 3, ...extra });
  bus.emit('sample', sample('bn', 1, { counters: counters(100), heapFloor: 12 * MB, heapFloorMajor: true, gauges: { state: 3 } }));
  bus.emit('sample', sample('process', 1, { rss: 200 * MB, cpu: 33 }));
  let f = await scrape(registry);
  assert.equal(promValue(f, 'process_memory_rss_bytes'), 200 * MB);
  assert.equal(promValue(f, 'process_cpu_percent'), 33);
  assert.equal(promValue(f, 'exsoak_probe_heap_used_bytes', { probe: 'bn' }), 20 * MB);
  assert.equal(promValue(f, 'exsoak_probe_heap_total_bytes', { probe: 'bn' }), 32 * MB);
  assert.equal(promValue(f, 'exsoak_probe_external_bytes', { probe: 'bn' }), 1 * MB);
  assert.equal(promValue(f, 'exsoak_probe_heap_floor_bytes', { probe: 'bn' }), 12 * MB);
  assert.equal(promValue(f, 'exsoak_probe_elu', { probe: 'bn' }), 0.25);
  assert.equal(promValue(f, 'exsoak_probe_thread_cpu_percent', { probe: 'bn' }), 7);
  assert.equal(promValue(f, 'exsoak_probe_state', { probe: 'bn' }), 3);
  assert.equal(promValue(f, 'exsoak_probe_messages_total', { probe: 'bn' }), 100);
  assert.equal(promValue(f, 'binance_messages_received_total', { probe: 'bn' }), 100);
  assert.equal(promValue(f, 'exsoak_probe_reconnects_total', { probe: 'bn' }), 1);
  assert.equal(promValue(f, 'exsoak_probe_drops_total', { probe: 'bn', kind: 'scheduled' }), 2);
  assert.equal(promValue(f, 'exsoak_probe_drops_total', { probe: 'bn', kind: 'unscheduled' }), 1);
  assert.equal(promValue(f, 'exsoak_probe_errors_total', { probe: 'bn' }), 3);

  // No floor in a sample (none measured, or a scavenge floor the sampler dropped): the last one stays.
  bus.emit('sample', sample('bn', 2, { counters: counters(150, { 'orders.placed': 4, 'orders.modified': 2, 'orders.cancelled': 1 }), heapFloor: null, heapFloorMajor: false }));
  f = await scrape(registry);
  assert.equal(promValue(f, 'exsoak_probe_heap_floor_bytes', { probe: 'bn' }), 12 * MB);
  assert.equal(promValue(f, 'exsoak_probe_messages_total', { probe: 'bn' }), 150);
  assert.equal(promValue(f, 'exsoak_probe_orders_total', { probe: 'bn', action: 'placed' }), 4);
  assert.equal(promValue(f, 'exsoak_probe_orders_total', { probe: 'bn', action: 'modified' }), 2);
  assert.equal(promValue(f, 'exsoak_probe_orders_total', { probe: 'bn', action: 'cancelled' }), 1);

  // The probe's totals start over (restart): 150 then 40 means 40 new messages, not -110.
  bus.emit('sample', sample('bn', 3, { counters: counters(40), heapFloor: 11 * MB, heapFloorMajor: true }));
  f = await scrape(registry);
  assert.equal(promValue(f, 'exsoak_probe_messages_total', { probe: 'bn' }), 190);
  assert.equal(promValue(f, 'binance_messages_received_total', { probe: 'bn' }), 190);
  assert.equal(promValue(f, 'exsoak_probe_heap_floor_bytes', { probe: 'bn' }), 11 * MB);
  // Unchanged totals add nothing.
  bus.emit('sample', sample('bn', 4, { counters: counters(40) }));
  f = await scrape(registry);
  assert.equal(promValue(f, 'exsoak_probe_messages_total', { probe: 'bn' }), 190);
  assert.equal(promValue(f, 'exsoak_probe_reconnects_total', { probe: 'bn' }), 2, 'ws_reconnects 1 again after the restart counts once more');
});

test('exsoak_probe_up follows start, samples, exit and crash; a late sample does not revive an ended probe', async () => {
  const { bus, registry } = series();
  runStart(bus, [{ name: 'p', kind: 'idle' }]);
  const up = async () => promValue(await scrape(registry), 'exsoak_probe_up', { probe: 'p' });
  assert.equal(await up(), 0);
  bus.emit('event', { t: 1, probe: 'p', kind: 'start', data: { kind: 'idle' } });
  assert.equal(await up(), 1);
  bus.emit('event', { t: 2, probe: 'p', kind: 'unresponsive' });
  assert.equal(promValue(await scrape(registry), 'exsoak_probe_unresponsive', { probe: 'p' }), 1);
  bus.emit('event', { t: 3, probe: 'p', kind: 'crash', data: { error: 'boom' } });
  assert.equal(await up(), 0);
  bus.emit('sample', sample('p', 4));
  assert.equal(await up(), 0);
  const f = await scrape(registry);
  assert.equal(promValue(f, 'exsoak_probe_events_total', { probe: 'p', kind: 'crash' }), 1);
  assert.equal(promValue(f, 'exsoak_probe_unresponsive', { probe: 'p' }), 0);
});

test("prom-client's default metrics are prefixed: no name outside exsoak's own can clash", async () => {
  const { registry } = series();
  const f = await scrape(registry);
  const own = new Set([...CONTRACT, 'exsoak_probe_unresponsive', 'exsoak_probe_info', 'exsoak_probe_events_total', 'exsoak_run_info', 'exsoak_run_start_time_seconds', 'exsoak_run_planned_duration_seconds']);
  const defaults = [...f.keys()].filter((name) => !own.has(name));
  assert.ok(defaults.length > 5, 'default metrics are collected');
  for (const name of defaults) assert.ok(name.startsWith(DEFAULT_METRICS_PREFIX), `${name} is prefixed`);
  assert.ok(f.has(`${DEFAULT_METRICS_PREFIX}process_resident_memory_bytes`));
});

test("the supervisor's default metrics are prom-client's whole set (names, types, help), its CPU counters counting", async () => {
  const ours = new Registry();
  collectDefaultMetrics(ours, 'x_');
  const theirs = new Registry();
  promClient.collectDefaultMetrics({ register: theirs, prefix: 'x_' });
  const shape = (r: Registry) => r.getMetricsAsJSON().then((ms) => ms.map((m) => `${m.name} ${m.type} ${m.help}`).sort());
  assert.deepEqual(await shape(ours), await shape(theirs));
  const cpu = async () => promValue(parsePromText(await ours.metrics()), 'x_process_cpu_seconds_total');
  const before = (await cpu())!;
  // 30 ms of CPU time to count, however long a busy machine takes to give them.
  const start = process.cpuUsage();
  const until = performance.now() + 10_000;
  const used = () => process.cpuUsage(start);
  while (used().user + used().system < 30_000 && performance.now() < until);
  const after = (await cpu())!;
  assert.ok(after - before >= 0.02, `process_cpu_seconds_total grew by ${after - before} s over 30 ms of CPU time`);
});

test('the strict parser rejects malformed expositions', () => {
  const bad = [
    'x 1', // no trailing newline
    '# TYPE x counter\nx -1\n', // negative counter
    '# TYPE x gauge\nx{a="1"} 1\nx{a="1"} 2\n', // duplicate series
    '# TYPE x gauge\nx{a="\\q"} 1\n', // bad escape
    '# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\nx 2\n', // family split
    '# TYPE x gauge\nx abc\n', // bad value
    '# TYPE x sometype\n', // unknown type
    '# TYPE x gauge\nx{1a="b"} 1\n', // bad label name
  ];
  for (const text of bad) assert.throws(() => parsePromText(text), PromParseError, JSON.stringify(text));
  const ok = parsePromText('# HELP x some help\n# TYPE x gauge\nx{a="q\\"uote\\\\ \\n"} +Inf\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_sum 3\nh_count 2\n');
  assert.equal(ok.get('x')!.samples[0]!.labels.a, 'q"uote\\ \n');
  assert.equal(ok.get('h')!.samples.length, 3);
});

function get(url: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the server: 127.0.0.1 by default, /metrics in text format, 404/405 elsewhere, closes cleanly', async () => {
  const bus = new Bus();
  const m = await startMetrics({ bus, port: 'any' });
  assert.ok(m);
  try {
    assert.match(m.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    runStart(bus, [{ name: 'p', kind: 'idle' }]);
    bus.emit('sample', sample('p', 1));
    const res = await get(m.url);
    assert.equal(res.status, 200);
    assert.match(res.type, /^text\/plain; version=0\.0\.4/);
    assert.equal(promValue(parsePromText(res.body), 'exsoak_probe_heap_used_bytes', { probe: 'p' }), 20 * MB);
    assert.equal((await get(m.url.replace('/metrics', '/nope'))).status, 404);
    assert.equal((await get(m.url, 'POST')).status, 405);
    assert.equal((await get(m.url, 'HEAD')).status, 200);
  } finally {
    await m.close();
  }
  assert.equal(bus.listenerCount('sample'), 0, 'unsubscribed from the bus');
  await assert.rejects(get(m.url), /ECONNREFUSED/);
});

test('port 0 disables the server; a port in use is a clear error naming the port', async () => {
  const bus = new Bus();
  assert.equal(await startMetrics({ bus, port: 0 }), undefined);
  assert.equal(bus.listenerCount('sample'), 0);
  const first = (await startMetrics({ bus, port: 'any' }))!;
  try {
    await assert.rejects(startMetrics({ bus, port: first.port }), (err: unknown) => {
      assert.ok(err instanceof MetricsPortError);
      assert.equal(err.port, first.port);
      assert.equal(err.code, 'EADDRINUSE');
      assert.match(err.message, new RegExp(`port ${first.port} on 127\\.0\\.0\\.1 is already in use`));
      return true;
    });
    assert.equal(bus.listenerCount('sample'), 1, 'the failed start left no subscription behind');
  } finally {
    await first.close();
  }
});

test('docs/metrics.md documents every series; the Grafana dashboard is valid and reads only exported series', async () => {
  const { bus, registry } = series();
  new VerdictGauges(registry);
  runStart(bus, [{ name: 'bn', kind: 'binance' }]);
  const exported = new Set((await scrape(registry)).keys());
  const docs = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
  for (const name of exported) {
    if (name.startsWith(DEFAULT_METRICS_PREFIX)) continue;
    assert.ok(docs.includes(`\`${name}\``), `docs/metrics.md documents ${name}`);
  }
  assert.match(docs, /scrape_configs:/);

  const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana-dashboard.json', import.meta.url), 'utf8'));
  assert.equal(typeof dashboard.title, 'string');
  assert.equal(typeof dashboard.uid, 'string');
  assert.ok(Number.isInteger(dashboard.schemaVersion));
  assert.ok(Array.isArray(dashboard.panels) && dashboard.panels.length >= 8);
  const ids = new Set<number>();
  const exprs: string[] = [];
  for (const panel of dashboard.panels) {
    assert.ok(Number.isInteger(panel.id) && !ids.has(panel.id), `panel ids unique (${panel.id})`);
    ids.add(panel.id);
    for (const k of ['h', 'w', 'x', 'y']) assert.ok(Number.isInteger(panel.gridPos?.[k]), `panel ${panel.title} gridPos.${k}`);
    if (panel.type === 'row') continue;
    assert.ok(Array.isArray(panel.targets) && panel.targets.length > 0, `panel ${panel.title} has targets`);
    for (const t of panel.targets) exprs.push(t.expr);
  }
  const used = new Set<string>();
  for (const expr of exprs) {
    for (const [name] of expr.matchAll(/\b(?:exsoak_|process_|binance_)[a-z_]+\b/g)) used.add(name);
  }
  for (const name of used) assert.ok(exported.has(name), `dashboard series ${name} is exported`);
  for (const needed of ['exsoak_probe_heap_used_bytes', 'exsoak_probe_heap_floor_bytes', 'process_memory_rss_bytes', 'exsoak_probe_messages_total', 'exsoak_probe_reconnects_total', 'exsoak_probe_drops_total', 'exsoak_probe_errors_total', 'exsoak_probe_orders_total']) {
    assert.ok(used.has(needed), `the dashboard charts ${needed}`);
  }
  assert.ok(exprs.some((e) => /rate\(exsoak_probe_messages_total(\{[^}]*\})?\[/.test(e)), 'message rate via rate()');
});
