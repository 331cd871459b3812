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
  assert.equal(d.current, 'none');
  assert.ok(d.report().pValue! < 0.001);
});
