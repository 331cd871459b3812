import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { startFloorCollections } from '../../workers/lib/floor-gc.ts';
import { waitFor } from '../helpers/wait.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as (options?: { type: 'major'; execution: 'sync' }) => void;

test('floor collections are forced once per interval when V8 runs no full GC of its own', async () => {
  const floors = startFloorCollections(100);
  try {
    await waitFor(() => floors.forced >= 3, { timeoutMs: 10_000, what: 'three forced collections' });
    assert.equal(floors.skipped, 0);
  } finally {
    floors.stop();
  }
});

test('an interval with a full GC of the program\'s own forces none', async () => {
  const floors = startFloorCollections(300);
  // The program's own full collections, several per interval (as a busy client's would be).
  const own = setInterval(() => gc({ type: 'major', execution: 'sync' }), 50);
  try {
    await waitFor(() => floors.skipped >= 3, { timeoutMs: 10_000, what: 'three skipped intervals' });
    assert.ok(floors.forced <= 1, `forced ${floors.forced} with a natural full GC in every interval`);
  } finally {
    clearInterval(own);
    floors.stop();
  }
});
