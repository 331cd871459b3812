import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeakDetector, type LeakSettings } from '../../src/verdict/leak.ts';
import { mulberry32 } from '../../src/sim/faults.ts';

const MB = 1024 * 1024;
const settings: LeakSettings = { warmupMs: 10_000, budgetBytes: 50 * MB, nominalMs: 24 * 3_600_000, alpha: 0.01, confirmations: 3, maxPoints: 64, minGrowthBytes: 1024 * 1024 };

function feed(detector: LeakDetector, seconds: number, bytesPerSec: number, noiseBytes: number, seed: number) {
  const rand = mulberry32(seed);
  const statuses: string[] = [];
  for (let s = 0; s <= seconds; s += 2) {
    statuses.push(detector.add(s * 1000, 20 * MB + bytesPerSec * s + (rand() - 0.5) * 2 * noiseBytes));
  }
  return statuses;
}

test('a 1 MB/min leak in noisy floors is confirmed within two minutes', () => {
  const d = new LeakDetector(settings);
  const statuses = feed(d, 120, MB / 60, 300 * 1024, 1);
  assert.equal(statuses.at(-1), 'confirmed');
  const r = d.report();
  assert.ok(r.lowMbPerH! < 60 && 60 < r.highMbPerH!, `60 MB/h inside [${r.lowMbPerH}, ${r.highMbPerH}]`);
  assert.ok(statuses.indexOf('suspected') < statuses.indexOf('confirmed'));
});

test('flat noisy floors are never flagged (20 seeds)', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const d = new LeakDetector(settings);
    const statuses = feed(d, 120, 0, 300 * 1024, seed);
    assert.ok(!statuses.includes('confirmed'), `seed ${seed}: ${d.report().slopeMbPerH} MB/h`);
  }
});

test('growth within the budget over the nominal duration is not a leak', () => {
  // 1 MB/h over 24 h = 24 MB < 50 MB budget, even though the trend itself is certain.
  const d = new LeakDetector(settings);
  feed(d, 600, MB / 3600, 0, 1);
  assert.equal(d.current, 'none');
  assert.ok(Math.abs(d.report().slopeMbPerH! - 1) < 0.01);
});

test('memory stays bounded: points are merged, history kept at a coarser grain', () => {
  const d = new LeakDetector({ ...settings, maxPoints: 32 });
  feed(d, 3600, MB / 60, 100 * 1024, 2);
  assert.ok(d.report().points <= 32);
  assert.ok(Math.abs(d.report().slopeMbPerH! - 60) < 3);
});

test('a significant but tiny observed growth is not a leak, however far it projects', () => {
  // 30 KB over 5 s: certain, and 500 MB when projected over 24 h, but nothing was really seen.
  const d = new LeakDetector({ ...settings, warmupMs: 0 });
  for (let s = 0; s <= 5; s += 0.25) d.add(s * 1000, 9 * MB + 6 * 1024 * s);
  // Not "none" either: the figures say over budget, so the verdict says what held it back.
  assert.equal(d.current, 'inconclusive');
  assert.ok(d.report().pValue! < 0.001);
  assert.equal(d.report().heldBy, 'minGrowth');
  assert.match(d.report().reason!, /held back by leak\.minGrowth/);
});

test('issue #15 m.3: a significant trend over budget is never "none" without a reason', () => {
  // ~7.3 MB/h for 5 minutes after a 5-minute warm-up, floors every 30 s (binance-24h's settings):
  // p tiny, projected 90 MB > 50 MB; old main said {"status":"none"} with no word why.
  const d = new LeakDetector({ ...settings, warmupMs: 300_000, cadenceMs: 30_000 });
  const rand = mulberry32(3);
  for (let s = 0; s <= 600; s += 30) d.add(s * 1000, 20 * MB + (7.3 * MB / 3600) * s + (rand() - 0.5) * 20 * 1024);
  const r = d.report();
  assert.ok(r.pValue! < 0.01 && r.projectedMb! > r.budgetMb, JSON.stringify(r));
  assert.notEqual(r.status, 'none');
  assert.ok(r.heldBy, 'names the rule that held it back');
  assert.match(r.reason!, new RegExp(r.heldBy === 'minGrowth' ? 'minGrowth' : 'warm-up|confirmations'));
  assert.ok(r.neededRunMs! > 600_000, 'says how long a run would be needed');
});

test('a heap that rose and has stopped rising is held back by the warm-up rule, not called a leak', () => {
  // 2 MB over the first 5 minutes, flat for the next 10: over the whole span the trend is
  // significant and over budget, but its later half is flat (what a settling cache looks like).
  const d = new LeakDetector({ ...settings, warmupMs: 0, confirmations: 10_000, maxPoints: 1000 });
  const rand = mulberry32(5);
  const floor = (s: number) => 15 * MB + 2 * MB * Math.min(1, s / 360) + (rand() - 0.5) * 40 * 1024;
  let held: ReturnType<typeof d.report> | undefined;
  for (let s = 0; s <= 600; s += 5) {
    d.add(s * 1000, floor(s));
    if (d.current === 'inconclusive' && d.report().heldBy === 'slowing') held ??= d.report();
  }
  assert.ok(held, 'held back by the warm-up rule while it flattened');
  assert.ok(held.pValue! < 0.01 && held.projectedMb! > held.budgetMb, JSON.stringify(held));
  assert.match(held.reason!, /settling/);
  // Then flat for longer than half its rise: the growth stopped (docs/leak-detection.md, bounded growth).
  assert.equal(d.current, 'bounded', d.report().reason);
});

test('every status carries a human reason; no conclusion says how long a run would need', () => {
  const early = new LeakDetector({ ...settings, cadenceMs: 2000 });
  early.add(0, 10 * MB);
  early.add(12_000, 10 * MB);
  assert.equal(early.current, 'insufficient-data');
  assert.match(early.report().reason!, /not enough heap-floor points/);
  // 1 MB budget-pace guard: 1 MB ÷ (50 MB / 24 h) = 28.8 min, plus warm-up and confirmations.
  assert.ok(early.report().neededRunMs! > 28 * 60_000 && early.report().neededRunMs! < 31 * 60_000, String(early.report().neededRunMs));
  const flat = new LeakDetector({ ...settings, nominalMs: 60_000 });
  feed(flat, 120, 0, 10 * 1024, 1);
  assert.equal(flat.current, 'none');
  assert.match(flat.report().reason!, /^no leak/);
  assert.equal(flat.report().neededRunMs, undefined);
});

test("#26.12 a process probe's leak reason names its RSS series, not heap-floor points", async () => {
  const rss = new LeakDetector({ ...settings, series: 'RSS' });
  rss.add(0, 10 * MB);
  assert.match(rss.report().reason!, /not enough RSS points/);
  assert.doesNotMatch(rss.report().reason!, /heap/);
  // The engine labels each probe's detector by the series it judges.
  const { VerdictEngine } = await import('../../src/verdict/engine.ts');
  const { Bus } = await import('../../src/bus/bus.ts');
  const bus = new Bus();
  const leak = { warmupMs: 10_000, budgetBytes: 50 * MB, nominalMs: 60_000, alpha: 0.01, confirmations: 3, maxPoints: 64, minGrowthBytes: MB, failOnConfirmed: false };
  const engine = new VerdictEngine({ bus, probes: [{ name: 'p', kind: 'process', thresholds: [], leakSeries: 'rss' }, { name: 'w', kind: 'idle', thresholds: [] }], process: [], startedAt: 0, leak });
  assert.match(engine.leakReport('p')!.reason!, /not enough RSS points/);
  assert.match(engine.leakReport('w')!.reason!, /not enough heap-floor points/);
});

test('the run still needed is judged on how often floors really come, when a floor budget spaces them out', () => {
  const at = { ...settings, warmupMs: 30_000, minGrowthBytes: 1, cadenceMs: 2000 };
  const asConfigured = new LeakDetector(at);
  const spaced = new LeakDetector(at);
  for (let s = 0; s <= 20; s += 2) asConfigured.add(s * 1000, 20 * MB);
  for (let s = 0; s <= 20; s += 10) spaced.add(s * 1000, 20 * MB);
  // Warm-up, then six points and three confirmations, one per cadence.
  assert.equal(asConfigured.report().neededRunMs, 30_000 + 9 * 2000);
  assert.equal(spaced.report().neededRunMs, 30_000 + 9 * 10_000);
  assert.match(spaced.report().reason ?? '', /a run of at least 2m00s would be needed/);
});
