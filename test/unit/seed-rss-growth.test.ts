// #17 item 8: the 24 h seed's own memory check, last RSS − first RSS < 50 MB, is a named criterion
// of binance-24h.yaml and binance-1h.yaml, judged on exactly that difference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bus } from '../../src/bus/bus.ts';
import { VerdictEngine } from '../../src/verdict/engine.ts';
import { loadScenarios } from '../../src/scenario/load.ts';
import { makeSample } from '../helpers/samples.ts';

const MB = 1024 * 1024;

/** A verdict engine for a loaded scenario's probes, judging the process on `criterion` only. */
function engineFor({ scenario, probes }: ReturnType<typeof loadScenarios>, criterion: ReturnType<typeof loadScenarios>['scenario']['process']['thresholds'][number]) {
  const bus = new Bus();
  const engine = new VerdictEngine({
    bus,
    probes: probes.map((p) => ({ name: p.name, kind: p.kind, thresholds: [], metrics: p.metrics })),
    process: [criterion],
    startedAt: 0,
    leak: { warmupMs: 0, budgetBytes: 50 * MB, nominalMs: scenario.nominalDuration!, alpha: 0.01, confirmations: 3, maxPoints: 64, minGrowthBytes: MB, failOnConfirmed: true },
  });
  return { bus, engine };
}

for (const file of ['scenarios/binance-24h.yaml', 'scenarios/binance-1h.yaml']) {
  test(`${file}: process rss_mb.growth < 50 is last − first RSS, as the seed computes it`, () => {
    const loaded = loadScenarios([file], { duration: 60_000 });
    const growth = loaded.scenario.process.thresholds.find((t) => t.threshold.expr === 'rss_mb.growth < 50');
    assert.ok(growth, `${file} names the seed's criterion`);
    assert.equal(growth.abortOnFail, false, 'judged at the end, like the seed');
    const verdictFor = (rss: number[]) => {
      const { bus, engine } = engineFor(loaded, growth);
      rss.forEach((mb, i) => bus.emit('sample', makeSample('process', i * 60_000, { rss: mb * MB })));
      return engine.verdict('s', 'completed', rss.length * 60_000).process.criteria[0]!;
    };
    // A peak in between does not count (the seed compares the last sample with the first).
    assert.deepEqual([verdictFor([100, 300, 149]).value, verdictFor([100, 300, 149]).pass], [49, true]);
    assert.deepEqual([verdictFor([100, 120, 151]).value, verdictFor([100, 120, 151]).pass], [51, false]);
  });
}

// The process's "first" is its memory once start-up is over (bus `run:settled`, sent by the run
// after every probe has started and the supervisor's start-up garbage is returned): measured
// from the start-up peak, a soak that grows by half would read as flat.
test('bitunix-8h: rss_mb.final_ratio < 1.5 and the process growth start after start-up, not at its peak', () => {
  const loaded = loadScenarios(['scenarios/bitunix-8h.yaml'], { duration: 60_000 });
  const ratio = loaded.scenario.process.thresholds.find((t) => t.threshold.expr === 'rss_mb.final_ratio < 1.5');
  assert.ok(ratio, 'bitunix-8h names the seed\'s final < 1.5 × initial');
  const criterion = (rss: (number | 'settled')[]) => {
    const { bus, engine } = engineFor(loaded, ratio);
    let t = 0;
    for (const step of rss) {
      t += 60_000;
      if (step === 'settled') bus.emit('run:settled', { t });
      else bus.emit('sample', makeSample('process', t, { rss: step * MB }));
    }
    return engine.verdict('s', 'completed', t).process.criteria[0]!;
  };
  // A start-up peak of 160 MB, then 100 MB settled, then 160 MB at the end: 1.6 × initial.
  assert.deepEqual([criterion([160, 'settled', 100, 130, 160]).value, criterion([160, 'settled', 100, 130, 160]).pass], [1.6, false]);
  // The same samples with no end of start-up (a probe that never started): the first sample counts.
  assert.deepEqual([criterion([160, 100, 130, 160]).value, criterion([160, 100, 130, 160]).pass], [1, true]);
  // Settled before any sample: the first sample is the initial one.
  assert.equal(criterion(['settled', 100, 140]).value, 1.4);
});
