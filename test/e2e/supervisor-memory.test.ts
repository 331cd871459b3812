// The supervisor's own memory stays flat under fast sampling (issue #23 item 4a). Its per-sample
// garbage (the leak detector's Theil–Sen slopes: a fresh ~0.5 MB array per sample per series)
// made V8 grow its young generation from 11 to ~130 MB of heap total over an hour at 1 s
// sampling, and the process RSS with it. At 50 ms sampling that hour is compressed into 40 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { readNdjson, tempDir, writeScenario } from '../helpers/run.ts';
import type { Sample } from '../../src/bus/types.ts';

const MB = 1024 * 1024;

test('an idle run sampled every 50 ms for 40 s: the supervisor heap total and RSS stay flat after settling', { timeout: 180_000 }, async (t) => {
  const dir = tempDir();
  const file = writeScenario(
    dir,
    `name: supervisor-memory
duration: 40s
sampleInterval: 50ms
gcFloorInterval: 2s
leak: { warmup: 3s }
metrics: { port: 0 }
probes:
  idle: { kind: idle }
`,
  );
  const res = await runCli(['run', file, '--json', '--allow-inconclusive', '--no-progress', '--out', path.join(dir, 'out')], { timeoutMs: 150_000 });
  assert.ok(res.code === 0 || res.code === 1, `exit ${res.code}: ${res.stderr}`);
  const own = readNdjson<Sample>(path.join(dir, 'out', 'samples.ndjson')).filter((s) => s.probe === 'process');
  const t0 = own[0]!.t;
  const within = (from: number, to: number) => own.filter((s) => s.t - t0 >= from * 1000 && s.t - t0 < to * 1000);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  // Settled: the leak detectors hold their full 240 points from ~15 s (3 s warm-up + 12 s of
  // 50 ms samples); from then on their garbage rate is what it will be for the rest of the run.
  const settled = within(15, 22);
  const end = within(30, 40);
  assert.ok(settled.length > 50 && end.length > 50, `samples: ${settled.length} settled, ${end.length} at the end (a machine too busy to sample)`);
  const heapGrowth = Math.max(...end.map((s) => s.heapTotal!)) - median(settled.map((s) => s.heapTotal!));
  const rssGrowth = median(end.map((s) => s.rss)) - median(settled.map((s) => s.rss));
  t.diagnostic(`heap total ${(median(settled.map((s) => s.heapTotal!)) / MB).toFixed(1)} MB settled, max ${(Math.max(...end.map((s) => s.heapTotal!)) / MB).toFixed(1)} MB at the end; RSS median +${(rssGrowth / MB).toFixed(1)} MB`);
  assert.ok(heapGrowth < 10 * MB, `supervisor heap total grew ${(heapGrowth / MB).toFixed(1)} MB from 15-22 s to 30-40 s`);
  assert.ok(rssGrowth < 15 * MB, `supervisor RSS grew ${(rssGrowth / MB).toFixed(1)} MB from 15-22 s to 30-40 s`);
});
