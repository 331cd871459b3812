// A real worker probe whose cache fills to its cap and stays there: the rise is confirmed as a
// leak while it lasts (the early signal: event, snapshots), and the whole run's verdict is
// `bounded`, PASS — the snapshots taken on the way do not keep the floors from being judged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runScenario } from '../helpers/run.ts';

const cache = fileURLToPath(new URL('../fixtures/modules/filling-cache.ts', import.meta.url));

test('a Map that fills to its cap then stays flat: early leak event, then bounded and PASS', async () => {
  const run = await runScenario({
    name: 'bounded-cache',
    duration: '60s',
    nominalDuration: '24h',
    sampleInterval: '500ms',
    gcFloorInterval: '500ms',
    leak: { warmup: '3s' },
    snapshots: { secondAfter: '10s', minInterval: '1s' },
    probes: { cache: { kind: 'module', module: cache, counters: ['messages'], gauges: ['kept'], options: { perSec: 400, cap: 6000, entryBytes: 1024 } } },
  });
  const v = run.verdict.probes.cache!;
  const early = run.events.find((e) => e.kind === 'leak' && e.probe === 'cache' && e.data?.status === 'confirmed');
  assert.ok(early, 'the rise was confirmed while it lasted');
  assert.ok(run.events.some((e) => e.kind === 'snapshot' && e.probe === 'cache' && e.t > early.t), 'and snapshotted');
  assert.equal(v.leak?.status, 'bounded', JSON.stringify(v.leak));
  assert.equal(v.pass, true, JSON.stringify(v.criteria));
  assert.equal(run.verdict.pass, true);
  assert.equal(run.exitCode, 0);
  // 6000 entries of ~1 KiB: several MB of growth, stopped within the first half of the run.
  assert.ok(v.leak!.growthMb! > 4 && v.leak!.growthMb! < 12, JSON.stringify(v.leak));
  assert.ok(v.leak!.stoppedAt! - early.t < 30_000 && v.leak!.plateauMs! > 15_000, JSON.stringify(v.leak));
  assert.equal(v.leak!.confirmedAt, early.t, 'the first confirmation is kept in the report');
  assert.match(v.leak!.reason!, /^bounded: the floor grew/);
  assert.ok(run.events.some((e) => e.kind === 'leak' && e.data?.status === 'bounded'), 'the change is on the bus too');
});
