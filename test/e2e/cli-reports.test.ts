// #17 "done when": a compressed bitunix-8h run with --report-every and --no-progress writes
// reports.ndjson with every figure of the 8 h checklist, prints the report blocks off a terminal,
// and keeps log.ndjson at INFO without copying events.ndjson.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { readNdjson, tempDir } from '../helpers/run.ts';

test('compressed bitunix-8h: reports.ndjson with every figure, report blocks on stderr with --no-progress, log at INFO', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'out');
  const res = await runCli(
    ['run', 'scenarios/bitunix-8h.yaml', '--duration', '16s', '--allow-inconclusive', '--report-every', '4s', '--sample-interval', '1s', '--no-progress', '--out', out],
    { timeoutMs: 90_000 },
  );
  assert.equal(res.code, 0, res.stderr);
  const reports = readNdjson(path.join(out, 'reports.ndjson')) as Record<string, any>[];
  // 4, 8, 12 s and the final one (the 16 s report is the final one, like the checklist's hour 8).
  assert.ok(reports.length >= 3 && reports.length <= 4, `periodic and final reports (${reports.length})`);
  assert.equal(reports.at(-1)!.final, true);
  assert.ok(reports.slice(0, -1).every((r) => r.final === false));
  for (const r of reports) {
    assert.equal(typeof r.elapsedHours, 'number');
    assert.equal(typeof r.time, 'string');
    const m = r.memory;
    for (const k of ['currentMb', 'peakMb', 'averageMb', 'initialMb']) assert.ok(m[k] > 10, `memory.${k} = ${m[k]}`);
    assert.ok(m.peakMb >= m.currentMb && m.peakMb >= m.averageMb);
    assert.equal(m.leakCheck.limit, 1.5);
    assert.equal(m.leakCheck.pass, m.leakCheck.ratio < 1.5);
    const b = r.probes.bitunix;
    for (const k of ['ordersPlaced', 'ordersModified', 'wsReconnects', 'errors']) assert.equal(typeof b[k], 'number', `probes.bitunix.${k}`);
    assert.equal(typeof b.executorState, 'string', 'the executor state by name');
    assert.equal(typeof b.wsConnected, 'boolean');
  }
  const first = reports[0]!.probes.bitunix;
  assert.ok(first.ordersPlaced >= 1, 'an order placed within the first report interval');
  assert.equal(first.wsConnected, true);
  assert.notEqual(first.executorState, 'ERROR_LOCK');
  const final = reports.at(-1)!;
  assert.equal(final.probes.bitunix.executorState, 'STOPPED');
  assert.deepEqual(final.memoryTable.map((row: { label: string }) => row.label), ['h0', 'h1', 'h2', 'h4', 'h6', 'h8']);
  assert.ok(final.memoryTable.every((row: { rssMb: number | null }) => typeof row.rssMb === 'number'), 'every checkpoint of a completed run has a figure');
  // h0 and the leak check's initial are the first process sample after start-up (run.json's
  // settledAt), which the verdict's final_ratio divides by too.
  const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as { startedAt: string; settledAt?: string };
  assert.ok(run.settledAt, 'run.json says when start-up ended');
  const settledMs = Date.parse(run.settledAt) - Date.parse(run.startedAt);
  const samples = (readNdjson(path.join(out, 'samples.ndjson')) as { t: number; probe: string; rss: number }[]).filter((s) => s.probe === 'process');
  const initial = samples.find((s) => s.t > Date.parse(run.settledAt!))!;
  assert.ok(final.memoryTable[0].atMs > settledMs, `h0 at ${final.memoryTable[0].atMs} ms, after start-up ended at ${settledMs} ms`);
  assert.equal(final.memory.initialMb, Math.round((initial.rss / 1048576) * 10) / 10);
  const verdict = JSON.parse(readFileSync(path.join(out, 'verdict.json'), 'utf8')) as { process: { criteria: { expr: string; value: number }[] } };
  const ratio = verdict.process.criteria.find((c) => c.expr === 'rss_mb.final_ratio < 1.5')!;
  assert.ok(Math.abs(ratio.value - samples.at(-1)!.rss / initial.rss) < 1e-6, `final_ratio ${ratio.value} = last ÷ initial ${samples.at(-1)!.rss / initial.rss}`);

  // The final counts agree with what the executor reported when it stopped.
  const exit = (readNdjson(path.join(out, 'events.ndjson')) as { kind: string; probe: string; data?: { counters?: Record<string, number> } }[]).find((e) => e.kind === 'exit' && e.probe === 'bitunix');
  assert.equal(final.probes.bitunix.ordersModified, exit?.data?.counters?.['orders.modified'] ?? 0);

  // Off a terminal and with --no-progress, the blocks are still printed, and the summary has the figures.
  assert.match(res.stderr, /── report 1, bitunix-8h, elapsed \d+s \(scenario h[\d.]+\) ──\n {2}bitunix: orders placed \d+, modified \d+, WS reconnects \d+, errors \d+/);
  assert.match(res.stderr, /final report[\s\S]*memory \(process RSS\):\n\s+checkpoint\s+at\s+RSS\n\s+h0/);

  // log.ndjson: INFO and above, one line per report, and none of the events copied.
  const log = readFileSync(path.join(out, 'log.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string; event?: string });
  assert.ok(log.every((l) => l.level >= 30), 'nothing below INFO');
  assert.equal(log.filter((l) => /^(report \d+|final report) at /.test(l.msg)).length, reports.length);
  assert.ok(!log.some((l) => l.event !== undefined), 'events stay in events.ndjson');
});
