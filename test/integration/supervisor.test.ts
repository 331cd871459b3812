import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runScenario, slopePerSec } from '../helpers/run.ts';
import type { Sample } from '../../src/bus/types.ts';

const floors = (samples: Sample[], probe: string) =>
  samples.filter((s) => s.probe === probe && s.heapFloor !== null && s.heapFloorMajor).map((s) => ({ t: s.t, y: s.heapFloor! }));

test('per-worker heap: leaky grows at its configured rate, idle stays flat', async () => {
  const rate = 1024 * 1024; // 1 MB/s
  const run = await runScenario({
    name: 'attribution',
    duration: '8s',
    sampleInterval: '250ms',
    gcFloorInterval: '250ms',
    probes: { idle: { kind: 'idle' }, leaky: { kind: 'leaky', options: { rate: '1MB' } } },
  });
  assert.equal(run.exitCode, 0);
  // The first memory-returning collections still clear start-up leftovers (a few hundred KB of
  // module loading, gone within the first second): the slopes skip a warm-up, as the detector does.
  const start = Math.min(...run.samples.map((s) => s.t));
  const settled = (points: { t: number; y: number }[]) => points.filter((p) => p.t >= start + 1500);
  const leaky = settled(floors(run.samples, 'leaky'));
  const idle = settled(floors(run.samples, 'idle'));
  assert.ok(leaky.length >= 15, `expected full-GC floors for leaky, got ${leaky.length}`);
  assert.ok(idle.length >= 15, `expected full-GC floors for idle, got ${idle.length}`);
  const leakySlope = slopePerSec(leaky);
  const idleSlope = slopePerSec(idle);
  // 1 KiB chunks cost a little more than 1 KiB of heap each (array headers): allow +-25 %.
  assert.ok(Math.abs(leakySlope / rate - 1) < 0.25, `leaky floor slope ${(leakySlope / 1024).toFixed(0)} KB/s, expected ~1024`);
  assert.ok(Math.abs(idleSlope) < rate * 0.02, `idle floor slope ${(idleSlope / 1024).toFixed(1)} KB/s, expected ~0`);
  // Attributed per worker: process RSS is the same on both lines of a tick, the heaps differ.
  const last = (p: string) => run.samples.filter((s) => s.probe === p).at(-1)!;
  assert.equal(last('idle').rss, last('leaky').rss);
  assert.ok(last('leaky').heapUsed! - last('idle').heapUsed! > 4 * rate);
});

test('a probe that throws is isolated: it fails its verdict, the other keeps sampling to the end', async () => {
  const run = await runScenario({
    name: 'crash',
    duration: '4s',
    sampleInterval: '200ms',
    probes: { idle: { kind: 'idle' }, thrower: { kind: 'leaky', options: { rate: 0, throwAfter: '500ms' } } },
  });
  assert.equal(run.exitCode, 1);
  assert.equal(run.verdict.probes.thrower!.pass, false);
  assert.equal(run.verdict.probes.thrower!.status, 'crashed');
  assert.match(run.verdict.probes.thrower!.error!, /injected failure/);
  assert.equal(run.verdict.probes.idle!.pass, true);
  const crash = run.events.find((e) => e.kind === 'crash');
  assert.equal(crash?.probe, 'thrower');
  const idleAfter = run.samples.filter((s) => s.probe === 'idle' && s.t > crash!.t);
  assert.ok(idleAfter.length >= 10, `idle sampled ${idleAfter.length} times after the crash`);
  const lastIdle = idleAfter.at(-1)!;
  assert.ok(lastIdle.t > crash!.t + 2500, 'idle kept sampling to the end of the run');
});

test('a probe that exceeds its resourceLimits dies alone with ERR_WORKER_OUT_OF_MEMORY', async () => {
  const run = await runScenario({
    name: 'oom',
    duration: '5s',
    sampleInterval: '200ms',
    probes: {
      idle: { kind: 'idle' },
      hog: { kind: 'leaky', options: { rate: 0, explodeAfter: '300ms' }, resourceLimits: { maxOldGenerationSizeMb: 32 } },
    },
  });
  assert.equal(run.exitCode, 1);
  const hog = run.verdict.probes.hog!;
  assert.equal(hog.status, 'crashed');
  assert.match(hog.error!, /out of memory|ERR_WORKER_OUT_OF_MEMORY/i);
  assert.equal(run.verdict.probes.idle!.pass, true);
  const crash = run.events.find((e) => e.kind === 'crash' && e.probe === 'hog');
  assert.ok(crash);
  assert.ok(run.samples.filter((s) => s.probe === 'idle' && s.t > crash.t).length >= 10);
});

test('every results file of the contract is written', async () => {
  const run = await runScenario({
    name: 'files',
    duration: '1500ms',
    sampleInterval: '250ms',
    probes: { idle: { kind: 'idle' } },
    process: { thresholds: ['rss_mb.max < 2000'] },
  });
  for (const file of ['run.json', 'samples.ndjson', 'events.ndjson', 'verdict.json', 'idle_soak_memory_profile.json', 'report.html', 'log.ndjson']) {
    assert.ok(existsSync(path.join(run.dir, file)), `${file} missing`);
  }
  const profile = JSON.parse(readFileSync(path.join(run.dir, 'idle_soak_memory_profile.json'), 'utf8')) as { timestamp: number; time: string; rss_mb: number; heap_used_mb: number }[];
  assert.ok(profile.length >= 4);
  assert.ok(profile.every((p) => typeof p.rss_mb === 'number' && p.rss_mb > 10 && typeof p.timestamp === 'number' && Date.parse(p.time) === Math.round(p.timestamp * 1000)));
  const verdict = JSON.parse(readFileSync(path.join(run.dir, 'verdict.json'), 'utf8'));
  assert.deepEqual(verdict, run.verdict);
  const runJson = JSON.parse(readFileSync(path.join(run.dir, 'run.json'), 'utf8'));
  assert.ok(runJson.endedAt);
  assert.equal(runJson.resolved.name, 'files');
});

test('a blocked worker is flagged unresponsive while the others keep being sampled', async () => {
  const run = await runScenario({
    name: 'blocked',
    duration: '4s',
    sampleInterval: '200ms',
    probes: { idle: { kind: 'idle' }, stuck: { kind: 'leaky', options: { rate: 0, blockAfter: '300ms', blockFor: '2s' } } },
  });
  const flagged = run.events.find((e) => e.kind === 'unresponsive' && e.probe === 'stuck');
  assert.ok(flagged, 'stuck flagged unresponsive');
  const during = run.samples.filter((s) => s.t > flagged.t && s.t < flagged.t + 1000);
  assert.ok(during.some((s) => s.probe === 'idle' && s.heapUsed !== null), 'idle sampled while stuck was blocked');
  assert.ok(during.some((s) => s.probe === 'stuck' && s.unresponsive === true));
  // Measured from outside, the blocked worker's heap is still read.
  assert.ok(during.some((s) => s.probe === 'stuck' && s.heapUsed !== null));
  assert.ok(run.events.some((e) => e.kind === 'responsive' && e.probe === 'stuck' && e.t > flagged.t));
});

test('probes start staggered by startDelay', async () => {
  const run = await runScenario({
    name: 'stagger',
    duration: '2500ms',
    sampleInterval: '100ms',
    probes: { first: { kind: 'idle' }, second: { kind: 'idle', startDelay: '1200ms' } },
  });
  const start = (p: string) => run.events.find((e) => e.kind === 'start' && e.probe === p)!.t;
  const firstSample = (p: string) => run.samples.find((s) => s.probe === p)!.t;
  assert.ok(start('second') - start('first') >= 1150, `${start('second') - start('first')} ms apart`);
  assert.ok(firstSample('second') >= start('second'));
  assert.ok(firstSample('first') < start('second'));
  assert.equal(run.exitCode, 0);
});
