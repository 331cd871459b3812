import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { memoryReducingGc } from '../../src/shared/forced-gc.ts';

const MB = 1024 * 1024;
const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.physical_space_size;

/** Objects that survive several scavenges make V8 grow the young generation. */
function growYoungGeneration(): number {
  let kept: { i: number; s: string }[] = [];
  for (let round = 0; round < 40 && newSpace() < 8 * MB; round++) {
    for (let i = 0; i < 50_000; i++) kept.push({ i, s: `x${i}` });
    if (kept.length > 400_000) kept = [];
  }
  const grown = newSpace();
  assert.ok(grown >= 8 * MB, `precondition: the young generation grew (${(grown / MB).toFixed(1)} MB)`);
  return grown;
}

test('the memory-returning collection hands the grown young generation back', () => {
  const grown = growYoungGeneration();
  memoryReducingGc()();
  const after = newSpace();
  assert.ok(after <= 2 * MB, `young generation ${(grown / MB).toFixed(1)} MB before, ${(after / MB).toFixed(1)} MB after`);
});
