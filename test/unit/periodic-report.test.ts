// #17 items 1, 2, 3 and 12: the periodic report, the memory table, the summary's counts, the log level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Bus } from '../../src/bus/bus.ts';
import type { PeriodicReport } from '../../src/bus/report.ts';
import type { Verdict } from '../../src/bus/verdict.ts';
import { PeriodicReporter } from '../../src/results/periodic-report.ts';
import { kindMetrics } from '../../src/probes/index.ts';
import { memoryTable } from '../../src/shared/memory-table.ts';
import { formatSummary } from '../../src/progress/summary.ts';
import { resolveReportEvery } from '../../src/scenario/report-every.ts';
import { loadScenarios, ScenarioError } from '../../src/scenario/load.ts';
import { createLogger } from '../../src/results/log.ts';
import { makeSample } from '../helpers/samples.ts';
import { waitFor } from '../helpers/wait.ts';

const MB = 1024 * 1024;
const H = 3_600_000;

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'exsoak-report-'));
}

function reporter(bus: Bus, dir: string | undefined, extra: Partial<ConstructorParameters<typeof PeriodicReporter>[0]> = {}) {
  return new PeriodicReporter({
    bus,
    dir,
    scenario: 'bitunix-8h',
    startedAt: 0,
    durationMs: 8 * H,
    nominalMs: 8 * H,
    everyMs: H,
    probes: [
      { name: 'bitunix', kind: 'bitunix', metrics: kindMetrics('bitunix') },
      { name: 'binance', kind: 'binance', metrics: kindMetrics('binance') },
    ],
    onError: (err) => assert.fail(err),
    ...extra,
  });
}

test('a report carries every figure of the 8 h checklist, counted zeros included, and is appended to reports.ndjson', () => {
  const dir = tempDir();
  try {
    const bus = new Bus();
    const seen: PeriodicReport[] = [];
    bus.on('report', (r) => seen.push(r));
    const rep = reporter(bus, dir);
    bus.emit('event', { t: 0, probe: 'bitunix', kind: 'start' });
    bus.emit('event', { t: 1, probe: 'bitunix', kind: 'state', data: { from: 'INIT', to: 'STARTING' } });
    bus.emit('event', { t: 2, probe: 'bitunix', kind: 'connect', data: { channel: 'public', reconnect: false } });
    bus.emit('event', { t: 3, probe: 'bitunix', kind: 'connect', data: { channel: 'private', reconnect: false } });
    bus.emit('event', { t: 4, probe: 'bitunix', kind: 'state', data: { from: 'PLACING', to: 'WORKING' } });
    bus.emit('event', { t: 5, probe: 'binance', kind: 'connect', data: { connection: 'c1' } });
    for (const [i, rss] of [100, 140, 120].entries()) {
      const t = (i + 1) * 20 * 60_000;
      bus.emit('sample', makeSample('bitunix', t, { counters: { 'orders.placed': 3, 'orders.modified': 40, requests: 50 } }));
      bus.emit('sample', makeSample('binance', t, { counters: { messages: 36_000 * (i + 1), 'drops.scheduled': 1 } }));
      bus.emit('sample', makeSample('process', t, { rss: rss * MB }));
    }
    const r = rep.report(H, false);
    assert.equal(r.elapsedHours, 1);
    assert.equal(r.final, false);
    assert.deepEqual(r.memory, { currentMb: 120, peakMb: 140, averageMb: 120, initialMb: 100, leakCheck: { ratio: 1.2, limit: 1.5, pass: true } });
    const b = r.probes.bitunix!;
    assert.equal(b.ordersPlaced, 3);
    assert.equal(b.ordersModified, 40);
    assert.equal(b.wsReconnects, 0, 'a zero is reported, not omitted');
    assert.equal(b.errors, 0);
    assert.equal(b.operationsFailed, 0);
    assert.equal(b.executorState, 'WORKING');
    assert.equal(b.wsConnected, true);
    assert.deepEqual(b.ws, { public: true, private: true });
    const n = r.probes.binance!;
    assert.equal(n.messages, 108_000);
    assert.equal(n.msgRate, 30, 'messages per second since the start');
    assert.deepEqual(n.drops, { scheduled: 1, unscheduled: 0 });
    assert.equal(n.ordersPlaced, undefined, 'no order figures for a stream probe');
    assert.equal(n.executorState, undefined);

    // A dropped private stream: not connected; RSS past 1.5 × initial fails the check so far.
    bus.emit('event', { t: H + 1, probe: 'bitunix', kind: 'disconnect', data: { channel: 'private', code: 1006, scheduled: false } });
    bus.emit('sample', makeSample('process', H + 2, { rss: 151 * MB }));
    const r2 = rep.report(2 * H, false);
    assert.equal(r2.probes.bitunix!.wsConnected, false);
    assert.equal(r2.memory.leakCheck.pass, false);
    assert.equal(r2.probes.binance!.msgRate, 0, 'rate since the previous report');

    bus.emit('event', { t: 8 * H, probe: 'bitunix', kind: 'exit', data: { counters: { 'orders.placed': 9, 'orders.modified': 300, errors: 2, operations_failed: 1, ws_reconnects: 1 } } });
    bus.emit('run:end', { t: 8 * H, reason: 'completed' });
    const lines = readFileSync(path.join(dir, 'reports.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PeriodicReport);
    assert.equal(lines.length, 3);
    assert.deepEqual(lines.map((l) => l.seq), [1, 2, 3]);
    const final = lines[2]!;
    assert.equal(final.final, true);
    assert.equal(final.probes.bitunix!.ordersPlaced, 9, 'the exit\'s final counters');
    assert.equal(final.probes.bitunix!.errors, 2);
    assert.equal(final.probes.bitunix!.status, 'stopped');
    assert.ok(final.memoryTable, 'the final report has the memory table');
    assert.deepEqual(seen.map((s) => s.seq), [1, 2, 3], 'every report is on the bus');
    assert.equal(rep.finish(9 * H), undefined, 'one final report only');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reports come every report.every from the run start, not in the run\'s last interval', async () => {
  const bus = new Bus();
  const seen: PeriodicReport[] = [];
  bus.on('report', (r) => seen.push(r));
  const started = Date.now();
  reporter(bus, undefined, { startedAt: started, durationMs: 700, nominalMs: 8 * H, everyMs: 200 });
  bus.emit('run:start', { scenario: 'x', startedAt: started, durationMs: 700, nominalDurationMs: 8 * H, sampleIntervalMs: 100, probes: [] });
  await waitFor(() => seen.length >= 3, { what: 'three periodic reports', timeoutMs: 10_000 });
  // Past the run's planned end: the timer is quiet, the final report is the end's.
  await waitFor(() => Date.now() - started > 1100, { what: 'the planned end to pass' });
  assert.equal(seen.length, 3, `periodic reports at 200, 400, 600 ms only (${seen.length})`);
  bus.emit('run:end', { t: Date.now(), reason: 'completed' });
  assert.equal(seen.length, 4);
  assert.equal(seen[3]!.final, true);
  assert.ok(seen[0]!.nominalHours > seen[0]!.elapsedHours * 1000, 'a compressed run says where it is in the scenario\'s hours');
});

test('the memory table: hours 0, 1, 2, 4, 6, 8 of an 8 h scenario, scaled for a compressed run, empty after an interruption', () => {
  const points = Array.from({ length: 121 }, (_, i) => ({ t: 1000 + i * 1000, rssMb: 100 + i }));
  // Compressed: 8 h in 120 s.
  const rows = memoryTable(points, { startedAt: 1000, durationMs: 120_000, nominalMs: 8 * H });
  assert.deepEqual(rows.map((r) => r.label), ['h0', 'h1', 'h2', 'h4', 'h6', 'h8']);
  assert.deepEqual(rows.map((r) => r.atMs), [0, 15_000, 30_000, 60_000, 90_000, 120_000]);
  assert.deepEqual(rows.map((r) => r.rssMb), [100, 115, 130, 160, 190, 220]);
  // Interrupted at 50 s of a 2 h run: what it reached, and nothing made up after.
  const cut = memoryTable(points.slice(0, 51), { startedAt: 1000, durationMs: 2 * H, nominalMs: 2 * H, endedAt: 51_000 });
  assert.deepEqual(cut.map((r) => r.label), ['h0', '15m', '30m', 'h1', 'h1.5', 'h2']);
  assert.deepEqual(cut.map((r) => r.rssMb), [100, null, null, null, null, null]);
});

test('the final summary shows the counts, memory and the memory table before the criteria', () => {
  const bus = new Bus();
  const rep = reporter(bus, undefined, { startedAt: 0, durationMs: 80_000, nominalMs: 8 * H, everyMs: 10_000 });
  for (let i = 0; i <= 8; i++) bus.emit('sample', makeSample('process', i * 10_000, { rss: (100 + i) * MB }));
  bus.emit('sample', makeSample('bitunix', 80_000, { counters: { 'orders.placed': 12, 'orders.modified': 345, ws_reconnects: 1, errors: 2 } }));
  const final = rep.finish(80_000)!;
  const verdict: Verdict = {
    pass: true,
    scenario: 'bitunix-8h',
    partial: false,
    reason: 'completed',
    durationMs: 80_000,
    probes: { bitunix: { pass: true, kind: 'bitunix', status: 'stopped', criteria: [{ expr: 'ws_reconnects.count <= 5', value: 1, pass: true }] } },
    process: { pass: true, criteria: [] },
  };
  const text = formatSummary(verdict, '/tmp/x', false, final);
  for (const fact of [/orders placed 12/, /modified 345/, /WS reconnects 1/, /errors 2/, /memory current 108\.0 MB, peak 108\.0 MB, average 104\.0 MB/, /leak check 1\.08 × initial < 1\.5 ok/]) {
    assert.match(text, fact);
  }
  const table = text.slice(text.indexOf('memory (process RSS)'));
  assert.match(table, /h0\s+0s\s+100\.0 MB/);
  assert.match(table, /h4\s+40s\s+104\.0 MB/);
  assert.match(table, /h8\s+1m20s\s+108\.0 MB/);
  assert.ok(text.indexOf('orders placed') < text.indexOf('ws_reconnects.count <= 5'), 'figures before the criteria table');
});

test('report.every: scaled by duration ÷ nominal when --duration compresses the run, --report-every taken as given', () => {
  assert.equal(resolveReportEvery({ scenarioEvery: H, durationMs: 120_000, nominalMs: 8 * H }), 15_000);
  assert.equal(resolveReportEvery({ scenarioEvery: H, flag: 30_000, durationMs: 120_000, nominalMs: 8 * H }), 30_000);
  assert.equal(resolveReportEvery({ durationMs: 8 * H, nominalMs: 8 * H }), H, 'hourly by default for long runs');
  assert.equal(resolveReportEvery({ durationMs: 60_000, nominalMs: 60_000 }), 10_000);
  assert.equal(resolveReportEvery({ scenarioEvery: H, durationMs: 1000, nominalMs: 8 * H }), 1000, 'never faster than 1 s');
  assert.equal(resolveReportEvery({ scenarioEvery: H, durationMs: 60_000, nominalMs: 24 * H }), 5_000, 'a day in a minute: at most 12 reports, not 24');
  const compressed = loadScenarios(['scenarios/bitunix-8h.yaml'], { duration: 120_000 });
  assert.equal(compressed.scenario.report.every, 15_000);
  assert.equal(loadScenarios(['scenarios/bitunix-8h.yaml'], { duration: 120_000, reportEvery: 30_000 }).scenario.report.every, 30_000);
  assert.equal(loadScenarios(['scenarios/bitunix-8h.yaml']).scenario.report.every, H);
  const dir = tempDir();
  try {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'name: bad\nduration: 1m\nreport: { every: soon }\nprobes: { idle: { kind: idle } }\n');
    assert.throws(() => loadScenarios([file]), (err: Error) => err instanceof ScenarioError && err.message.includes(`${file}: report.every: expected a duration`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('log.ndjson is at INFO unless asked for debug', () => {
  const dir = tempDir();
  try {
    for (const level of [undefined, 'debug']) {
      const file = path.join(dir, `${level ?? 'default'}.ndjson`);
      const log = createLogger({ file, stderrLevel: 'silent', fileLevel: level });
      log.debug('a probe\'s debug line');
      log.info('an info line');
      log.flush();
      const levels = readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { level: number }).level);
      assert.deepEqual(levels, level === 'debug' ? [20, 30] : [30]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('initial memory (the leak check, h0) is the first process sample after start-up, live and read back alike', () => {
  const bus = new Bus();
  const rep = reporter(bus, undefined);
  const points = [
    { t: 1_000, rssMb: 160 },
    { t: 2_000, rssMb: 150 },
    { t: 3_000, rssMb: 100 },
    { t: 2 * H, rssMb: 120 },
    { t: 8 * H, rssMb: 140 },
  ];
  for (const p of points) {
    bus.emit('sample', makeSample('process', p.t, { rss: p.rssMb * MB }));
    // The run settles after the sample at 2 s (its first sample with every probe started).
    if (p.t === 2_000) bus.emit('run:settled', { t: 2_100 });
  }
  const final = rep.finish(8 * H)!;
  assert.equal(final.memory.initialMb, 100);
  assert.equal(final.memory.peakMb, 160, 'the start-up peak is still the peak');
  assert.deepEqual(final.memory.leakCheck, { ratio: 1.4, limit: 1.5, pass: true });
  assert.deepEqual(final.memoryTable![0], { label: 'h0', atMs: 3_000, rssMb: 100 });
  const readBack = memoryTable(points, { startedAt: 0, durationMs: 8 * H, nominalMs: 8 * H, endedAt: 8 * H, settledAt: 2_100 });
  assert.deepEqual(readBack, final.memoryTable);
  // Without an end of start-up (an older run.json), h0 is the first sample.
  assert.deepEqual(memoryTable(points, { startedAt: 0, durationMs: 8 * H, nominalMs: 8 * H, endedAt: 8 * H })[0], { label: 'h0', atMs: 0, rssMb: 160 });
});
