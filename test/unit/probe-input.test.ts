// #26: what a probe sends is untrusted input. The sanitizers (src/shared/untrusted.ts), the
// supervisor's per-probe gate (src/supervisor/probe-input.ts) and the worker runtime's side
// (workers/lib/probe-output.ts), each on its own; the whole runs are in the hostile-input suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NdjsonFile } from '../../src/results/files.ts';
import { Bus } from '../../src/bus/bus.ts';
import type { ProbeEvent } from '../../src/bus/types.ts';
import { SUPERVISOR_EVENT_KINDS } from '../../src/bus/types.ts';
import type { WorkerMessage } from '../../src/bus/protocol.ts';
import { ProbeInput, probeEventKind } from '../../src/supervisor/probe-input.ts';
import { cleanLevel, cleanTime, counterValue, PROBE_LIMITS, toJsonSafe } from '../../src/shared/untrusted.ts';
import { samplerGapFails } from '../../src/shared/sampler-gap.ts';
import { ProbeHealth } from '../../src/verdict/health.ts';
import { VerdictEngine } from '../../src/verdict/engine.ts';
import { ThresholdSchema } from '../../src/scenario/schema.ts';
import { makeSample } from '../helpers/samples.ts';
import { onlyFamilies, parseMetricValues, PromScraper } from '../../src/sampling/prom-scrape.ts';
import { ProbeOutput } from '../../workers/lib/probe-output.ts';

/** Kinds probes send that consumers read on purpose (faults in the report, WS and state in the periodic report). */
const PROBE_VOCABULARY = new Set(['connect', 'disconnect', 'state', 'error']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const file = path.join(dir, entry);
    if (statSync(file).isDirectory()) return entry === 'sim' || entry === 'exchanges' ? [] : sources(file);
    return file.endsWith('.ts') ? [file] : [];
  });
}

test('#26.1 the reserved event kinds are derived from the code: every kind the supervisor emits or acts on is reserved', () => {
  const emitted = new Set<string>();
  const compared = new Set<string>();
  for (const file of sources(path.resolve('src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/emit\('event',\s*\{[^}]*?kind:\s*'([^']+)'/g)) emitted.add(m[1]!);
    for (const m of text.matchAll(/emit\('event',\s*\{[^}]*?kind:\s*([a-z.]+)\s*\?\s*'([^']+)'\s*:\s*'([^']+)'/g)) (emitted.add(m[2]!), emitted.add(m[3]!));
    for (const m of text.matchAll(/\b(?:event|e|ev)\.kind\s*[!=]==\s*'([^']+)'/g)) compared.add(m[1]!);
  }
  const reserved = new Set<string>(SUPERVISOR_EVENT_KINDS);
  assert.ok(emitted.size >= 10, `found the supervisor's emits (${[...emitted].join(', ')})`);
  for (const kind of emitted) assert.ok(reserved.has(kind), `the supervisor emits "${kind}": add it to SUPERVISOR_EVENT_KINDS (src/bus/types.ts)`);
  for (const kind of compared) assert.ok(reserved.has(kind) || PROBE_VOCABULARY.has(kind), `a consumer acts on "${kind}": reserve it in SUPERVISOR_EVENT_KINDS, or it is probe vocabulary`);
});

test('#26.1 a probe cannot emit snapshot-start: a reserved kind is kept as probe:<kind>, others as they are', () => {
  for (const kind of ['crash', 'exit', 'fatal', 'snapshot-start', 'snapshot', 'leak', 'breach', 'probe-input', 'sampler-lag']) {
    assert.deepEqual(probeEventKind(kind), { kind: `probe:${kind}`, renamed: true });
  }
  assert.deepEqual(probeEventKind('disconnect'), { kind: 'disconnect', renamed: false });
  assert.deepEqual(probeEventKind(42), { kind: 'probe:unnamed', renamed: true });
  assert.deepEqual(probeEventKind('\u001b[31mred'), { kind: '[31mred', renamed: false });
  const bus = new Bus();
  const events: ProbeEvent[] = [];
  bus.on('event', (e) => events.push(e));
  const input = new ProbeInput({ probe: 'p', bus });
  input.event('snapshot-start', { rssBeforeBytes: 1 }, Date.now());
  input.eventLine('{"event":"crash","error":"fake"}', {}, {});
  assert.deepEqual(events.map((e) => e.kind), ['probe:snapshot-start', 'probe:crash']);
  bus.emit('run:end', { t: Date.now(), reason: 'completed' });
  assert.deepEqual(events.at(-1)!.kind, 'probe-input');
  assert.equal(events.at(-1)!.data!.kindsRenamed, 2);
});

test('#26.4 bad log levels and timestamps are mapped, replaced and counted', () => {
  assert.deepEqual(cleanLevel('warning'), { level: 'warn', mapped: true });
  assert.deepEqual(cleanLevel('notice'), { level: 'info', mapped: true });
  assert.deepEqual(cleanLevel('toString'), { level: 'info', mapped: true });
  assert.deepEqual(cleanLevel('error'), { level: 'error', mapped: false });
  const now = Date.UTC(2026, 0, 1);
  for (const t of [1e300, -1e300, now * 1000, now / 1000, NaN, '2026-01-01', null, {}]) assert.deepEqual(cleanTime(t, now), { t: now, replaced: true }, String(t));
  assert.deepEqual(cleanTime(now - 5000, now), { t: now - 5000, replaced: false });
  const bus = new Bus();
  const logs: { level: string; t: number }[] = [];
  const events: ProbeEvent[] = [];
  bus.on('log', (l) => logs.push(l));
  bus.on('event', (e) => events.push(e));
  const input = new ProbeInput({ probe: 'p', bus });
  input.log('warning', 'x', undefined, 1e300);
  input.log('notice', 'y', undefined, undefined);
  input.event('tick', {}, -1e300);
  assert.deepEqual(logs.map((l) => l.level), ['warn', 'info']);
  for (const l of logs) assert.ok(Number.isFinite(new Date(l.t).getTime()));
  assert.ok(Math.abs(events[0]!.t - Date.now()) < 5000);
  bus.emit('run:end', { t: Date.now(), reason: 'completed' });
  const counts = events.find((e) => e.kind === 'probe-input')!.data!;
  assert.equal(counts.badLevels, 2);
  assert.equal(counts.badTimes, 2);
});

test('#26.5 BigInt, cycles, functions, deep and huge data are serialised within bounds, never thrown', () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  let deep: unknown = 'bottom';
  for (let i = 0; i < 10_000; i++) deep = { d: deep };
  const hostile = {
    big: 10n ** 30n,
    cyclic,
    fn: function named() {},
    sym: Symbol('s'),
    deep,
    huge: 'x'.repeat(1_000_000),
    wide: Array.from({ length: 100_000 }, (_, i) => i),
    date: new Date(NaN),
    err: new Error('boom'),
    map: new Map([[1, 2n]]),
    buf: Buffer.alloc(10),
    throwing: Object.defineProperty({}, 'x', { enumerable: true, get: () => { throw new Error('getter'); } }),
    toJSON: undefined,
    proxy: new Proxy({}, { ownKeys: () => { throw new Error('trap'); } }),
  };
  const { value, replaced } = toJsonSafe(hostile);
  const text = JSON.stringify(value);
  assert.ok(text.length <= PROBE_LIMITS.dataBytes * 1.2, `bounded: ${text.length} bytes`);
  const v = value as Record<string, unknown>;
  assert.equal(v.big, '1000000000000000000000000000000');
  assert.equal((v.cyclic as Record<string, unknown>).self, '[cycle]');
  assert.equal(v.fn, '[function named]');
  assert.deepEqual(v.throwing, { x: '[unreadable]' });
  assert.ok(replaced >= 6);
  // The supervisor checks again what the runtime already cleaned: it never grows.
  assert.ok(JSON.stringify(toJsonSafe(value).value).length <= text.length);
  assert.deepEqual(toJsonSafe({ a: [1, 'x', { b: null }] }), { value: { a: [1, 'x', { b: null }] }, replaced: 0 });
  const bus = new Bus();
  const events: ProbeEvent[] = [];
  bus.on('event', (e) => events.push(e));
  new ProbeInput({ probe: 'p', bus }).eventLine(`{"event":"nested","x":${'['.repeat(30_000)}${']'.repeat(30_000)}}`, {}, {});
  new ProbeInput({ probe: 'q', bus }).eventLine(`{"event":"nested","x":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`, {}, {});
  for (const e of events) assert.ok(JSON.stringify(e).length < PROBE_LIMITS.dataBytes * 1.2);
});

test('#26.7 a flood of events and logs is rate-limited and counted, on both sides of the port', () => {
  const posted: WorkerMessage[] = [];
  const out = new ProbeOutput((m) => posted.push(m));
  const started = performance.now();
  for (let i = 0; i < 400_000; i++) out.event('tick', { i });
  const ms = performance.now() - started;
  assert.ok(posted.length <= 2 * PROBE_LIMITS.eventsPerSec + PROBE_LIMITS.eventsPerSec * (ms / 1000) + 1, `${posted.length} posted in ${ms} ms`);
  const report = out.report(Date.now()) as Extract<WorkerMessage, { type: 'counters' }>;
  assert.equal(report.input!.eventsDropped, 400_000 - posted.length);
  const bus = new Bus();
  let emitted = 0;
  bus.on('event', (e) => e.kind === 'tick' && emitted++);
  const input = new ProbeInput({ probe: 'p', bus });
  for (let i = 0; i < 10_000; i++) input.event('tick', undefined, undefined);
  assert.ok(emitted <= 2 * PROBE_LIMITS.eventsPerSec + 50, `${emitted} emitted`);
  input.metrics({}, {}, report.input);
  assert.equal(input.counts()!.eventsDropped, 10_000 - emitted + report.input!.eventsDropped);
});

test('#26.8 names are capped, events.ndjson bytes are bounded per probe, and what was cut is counted', () => {
  const out = new ProbeOutput(() => {});
  for (let i = 0; i < 100_000; i++) out.count(`c${i}`);
  const report = out.report(Date.now()) as Extract<WorkerMessage, { type: 'counters' }>;
  assert.equal(Object.keys(report.counters).length, PROBE_LIMITS.names);
  assert.equal(report.input!.namesDropped, 100_000 - PROBE_LIMITS.names);
  const bus = new Bus();
  let bytes = 0;
  bus.on('event', (e) => e.kind === 'big' && (bytes += JSON.stringify(e).length));
  const input = new ProbeInput({ probe: 'p', bus, eventsBytes: 50_000 });
  const counters: Record<string, number> = {};
  for (let i = 0; i < 300; i++) input.eventLine(JSON.stringify({ event: 'big', pad: 'x'.repeat(1000), counters: { [`n${i}`]: i } }), counters, {});
  assert.ok(bytes <= 50_000 + 2_000, `${bytes} bytes of events`);
  assert.ok(Object.keys(counters).length <= PROBE_LIMITS.names);
  assert.ok(input.counts()!.eventsDropped! > 0);
  assert.ok(input.counts()!.namesDropped! > 0);
  const kinds = new Set<string>();
  bus.on('event', (e) => kinds.add(e.kind));
  const many = new ProbeInput({ probe: 'k', bus });
  for (let i = 0; i < 200; i++) many.event(`kind-${i}`, { i }, undefined);
  assert.equal(kinds.size, PROBE_LIMITS.eventKinds + 1, 'new kinds past the limit are probe:other');
  assert.equal(many.counts()!.kindsOther, 200 - PROBE_LIMITS.eventKinds);
  // Only the configured families of a scrape body are parsed.
  const body = ['# TYPE msgs_total counter', 'msgs_total{a="1"} 5', ...Array.from({ length: 10_000 }, (_, i) => `other_${i} 1`), 'lat_bucket{le="1"} 2', 'lat_count 3'].join('\n');
  const kept = onlyFamilies(body, ['msgs', 'lat_count']);
  assert.equal(kept.split('\n').filter(Boolean).length, 4);
  assert.equal(parseMetricValues(kept).get('msgs_total'), 5);
});

test("#26.9 counters are non-negative finite numbers: '5', -3, NaN, Infinity are rejected and counted", () => {
  for (const bad of ['5', -3, NaN, Infinity, null, {}, 5n]) assert.equal(counterValue(bad), undefined, String(bad));
  const out = new ProbeOutput(() => {});
  out.count('m', 1);
  out.count('m', '5');
  out.count('m', -3);
  out.count('m', Number.MAX_VALUE);
  out.count('m', Number.MAX_VALUE);
  out.gauge('g', 'x');
  const report = out.report(Date.now()) as Extract<WorkerMessage, { type: 'counters' }>;
  assert.equal(typeof report.counters.m, 'number');
  assert.ok(Number.isFinite(report.counters.m));
  assert.equal(report.input!.badValues, 4);
  const input = new ProbeInput({ probe: 'p', bus: new Bus() });
  const counters: Record<string, number> = {};
  input.eventLine('{"counters":{"a":"5","b":-1,"c":3,"d":1e400}}', counters, {});
  assert.deepEqual(counters, { c: 3 });
  assert.equal(input.counts()!.badValues, 3);
  assert.deepEqual(input.metrics({ x: '5', y: 2 }, { z: 'n' }).counters, { y: 2 });
  const scraper = new PromScraper({ url: 'http://127.0.0.1:1/metrics', counters: { m: 'm_total' }, gauges: {} });
  assert.deepEqual(scraper.apply(new Map([['m_total', -5]])).missing, ['m']);
});

test('#26.7 a 14 s sampler gap fails "sampler kept its interval"; a short lag is only noted', () => {
  assert.equal(samplerGapFails(13_900, 1_000), true);
  assert.equal(samplerGapFails(2_500, 1_000), false);
  assert.equal(samplerGapFails(40_000, 10_000), false, 'five intervals of a slow sampling rate are allowed');
  const health = new ProbeHealth(0.2);
  health.onEvent({ t: 0, probe: 'process', kind: 'sampler-lag', data: { intervalMs: 1000, worstGapMs: 2500, lateTicks: 3 } });
  assert.equal(health.processCriteria()[0]!.pass, true);
  health.onEvent({ t: 0, probe: 'process', kind: 'sampler-lag', data: { intervalMs: 1000, worstGapMs: 13_900, lateTicks: 6 } });
  assert.equal(health.processCriteria()[0]!.pass, false);
});

test('#26.5 a record JSON cannot carry is written made safe, not "results could not be written"', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'exsoak-h26-'));
  const file = new NdjsonFile(path.join(dir, 'events.ndjson'));
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  file.append({ t: 1, probe: 'p', kind: 'x', data: { n: 1n, cyclic } });
  file.close();
  const line = JSON.parse(readFileSync(path.join(dir, 'events.ndjson'), 'utf8'));
  assert.deepEqual(line.data, { n: '1', cyclic: { self: '[cycle]' } });
});

test('#26.1 a leaking module that sends snapshot-start is still judged: its abortOnFail fires and its heap floor counts', () => {
  const MB = 1024 * 1024;
  const bus = new Bus();
  const aborts: string[] = [];
  const engine = new VerdictEngine({
    bus,
    probes: [{ name: 'm', kind: 'module', thresholds: [ThresholdSchema.parse({ threshold: 'heap_used_mb.max < 100', abortOnFail: true })] }],
    process: [],
    startedAt: 0,
    leak: { warmupMs: 0, budgetBytes: 50 * MB, nominalMs: 3_600_000, alpha: 0.01, confirmations: 3, maxPoints: 64, minGrowthBytes: MB, failOnConfirmed: true },
    onAbort: (b) => aborts.push(b.criterion.expr),
  });
  const input = new ProbeInput({ probe: 'm', bus });
  for (let i = 0; i < 60; i++) {
    // What the probe sends through ctx.event: never the supervisor's snapshot-start.
    input.event('snapshot-start', { rssBeforeBytes: 1 }, undefined);
    bus.emit('sample', makeSample('m', i * 60_000, { heapUsed: (20 + 2 * i) * MB, heapFloor: (10 + 2 * i) * MB, heapFloorMajor: true }));
  }
  assert.deepEqual(aborts, ['heap_used_mb.max < 100']);
  const leak = engine.verdict('s', 'completed', 3_600_000).probes.m!.leak!;
  assert.notEqual(leak.status, 'insufficient-data', JSON.stringify(leak));
  assert.ok(leak.points > 10);
});
