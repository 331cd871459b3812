import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memorySection, runMemoryTables } from '../../src/results/memory-section.ts';
import { newSeries, type RunData } from '../../src/results/run-data.ts';
import type { ProbeEvent } from '../../src/bus/types.ts';

const MB = 1024 * 1024;
const H = 3_600_000;

/** An 8 h run sampled every 10 min at a flat 100 MB, with two snapshots at h3 that added 200 MB. */
function run(withSnapshots: boolean): RunData {
  const proc = newSeries('process');
  const events: ProbeEvent[] = [];
  for (let t = 0; t <= 8 * H; t += 600_000) {
    proc.t.push(t);
    proc.rss.push((withSnapshots && t > 3 * H ? 300 : 100) * MB);
  }
  if (withSnapshots) {
    events.push({ t: 3 * H, probe: 'a', kind: 'snapshot-start', data: { rssBeforeBytes: 100 * MB } });
    events.push({ t: 3 * H + 1000, probe: 'a', kind: 'snapshot', data: { rssCostBytes: 120 * MB } });
    events.push({ t: 3 * H + 2000, probe: 'a', kind: 'snapshot-start', data: { rssBeforeBytes: 220 * MB } });
    events.push({ t: 3 * H + 3000, probe: 'a', kind: 'snapshot', data: { rssCostBytes: 80 * MB } });
  }
  return {
    dir: '/nowhere',
    run: { startedAt: new Date(0).toISOString(), endedAt: new Date(8 * H).toISOString(), resolved: { duration: 8 * H, nominalDuration: 8 * H } },
    probes: new Map(),
    process: proc,
    events,
    kinds: {},
    startT: 0,
    endT: 8 * H,
    files: {},
    notes: [],
  };
}

test("report.html's memory table leaves the snapshots' share out, as the verdict does, and shows raw RSS beside it", () => {
  const tables = runMemoryTables(run(true))!;
  assert.deepEqual(tables.rows.map((r) => r.rssMb), [100, 100, 100, 100, 100, 100]);
  assert.deepEqual(tables.raw.map((r) => r.rssMb), [100, 100, 100, 300, 300, 300]);
  const html = memorySection(run(true));
  assert.match(html, /raw RSS \(with snapshots\)/);
  assert.match(html, /<td>h8<\/td><td>8h00m<\/td><td>100\.0 MB<\/td><td>1\.00 ×<\/td><td>300\.0 MB<\/td>/);
});

test('without snapshots the table has one RSS column', () => {
  const html = memorySection(run(false));
  assert.doesNotMatch(html, /raw RSS/);
  assert.match(html, /<td>h8<\/td><td>8h00m<\/td><td>100\.0 MB<\/td><td>1\.00 ×<\/td><\/tr>/);
});

test("report.html's memory table gives each process probe's own RSS beside exsoak's (#23 4c)", () => {
  const data = run(false);
  const py = newSeries('py');
  py.ownProcess = true;
  for (let t = 0; t <= 8 * H; t += 600_000) {
    py.t.push(t);
    py.rss.push(26.2 * MB);
  }
  data.probes.set('py', py);
  data.probes.set('ws', newSeries('ws'));
  const tables = runMemoryTables(data)!;
  assert.deepEqual(tables.rows.map((r) => r.probesRssMb), tables.rows.map(() => ({ py: 26.2 })));
  const html = memorySection(data);
  assert.match(html, /<th>py RSS \(its own\)<\/th>/);
  assert.match(html, /<td>h8<\/td><td>8h00m<\/td><td>100\.0 MB<\/td><td>1\.00 ×<\/td><td>26\.2 MB<\/td>/);
  assert.doesNotMatch(html, /ws RSS/);
});
