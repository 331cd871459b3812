import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FloorRule } from '../../src/sampling/floor.ts';

test('heap-floor rule: scavenge floors count until the first full-GC floor, then only full-GC floors, per probe', () => {
  const rule = new FloorRule();
  assert.equal(rule.apply('a', undefined), undefined);
  assert.deepEqual(rule.apply('a', { floor: 30, major: false }), { floor: 30, major: false });
  assert.deepEqual(rule.apply('a', { floor: 12, major: true }), { floor: 12, major: true });
  assert.equal(rule.apply('a', { floor: 40, major: false }), undefined, 'a scavenge floor after a full GC carries old-space garbage');
  assert.deepEqual(rule.apply('a', { floor: 13, major: true }), { floor: 13, major: true });
  assert.deepEqual(rule.apply('b', { floor: 50, major: false }), { floor: 50, major: false }, 'another probe has its own history');
});

test('the heap floor leaves out compiled code: functions that compile grow the used heap more than the floor', async () => {
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  const { retainedBytes } = await import('../../workers/lib/runtime.ts');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const profiler = new v8.GCProfiler();
  profiler.start();
  gc();
  // Distinct functions, each run enough to get bytecode and feedback: what a client's code paths
  // do in their first minutes while they tier up.
  const fns: ((x: number) => number)[] = [];
  for (let i = 0; i < 3000; i++) fns.push(new Function('x', `let s = ${i}; for (let k = 0; k < 3; k++) s += x * k + ${i % 7}; return s;`) as (x: number) => number);
  for (const f of fns) for (let r = 0; r < 3; r++) f(r);
  gc();
  const stats = profiler.stop()!.statistics;
  const first = stats[0]!.afterGC;
  const last = stats.at(-1)!.afterGC;
  const usedGrowth = last.heapStatistics.usedHeapSize - first.heapStatistics.usedHeapSize;
  const floorGrowth = retainedBytes(last) - retainedBytes(first);
  assert.ok(fns.length === 3000);
  assert.ok(usedGrowth - floorGrowth > 256 * 1024, `compiled code left out: used +${usedGrowth}, floor +${floorGrowth}`);
});
