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
