// Evidence names the culprit: two real heap snapshots of a real worker running a leaking client,
// diffed off the main thread; the top culprit names the variable that holds the growth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Bus } from '../../src/bus/bus.ts';
import { SnapshotTaker, diffInWorker } from '../../src/snapshot/taker.ts';
import { workerSnapshotHost } from '../helpers/snapshot-host.ts';
import { tempDir } from '../helpers/run.ts';

const FIXTURE = new URL('../fixtures/leaky-clients.ts', import.meta.url);

async function leakingWorker() {
  const worker = new Worker(FIXTURE);
  const next = () => new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('fixture worker did not answer within 10 s')), 10_000);
    worker.once('message', (m) => {
      clearTimeout(timer);
      resolve(m);
    });
  });
  await next();
  const grow = async (what: 'feed' | 'listeners', count: number) => {
    const reply = next();
    worker.postMessage({ grow: what, count });
    return reply;
  };
  return { worker, grow };
}

async function culpritsOf(what: 'feed' | 'listeners', first: number, then: number) {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'snapshots'));
  const { worker, grow } = await leakingWorker();
  try {
    const bus = new Bus();
    const host = workerSnapshotHost('client', worker);
    const taker = new SnapshotTaker({ dir, bus, hosts: () => [host], settings: { max: 4, minIntervalMs: 0, secondAfterMs: 60_000, nearLimitRatio: 0.99 } });
    await grow(what, first);
    // Kept for the diff: the worker's heap profiler ids are what tell the new objects from the old.
    const before = await taker.capture('client', 'test', false, true);
    await grow(what, then);
    const after = await taker.capture('client', 'test', true);
    assert.ok(before && after, 'both snapshots were written');
    // #23 4b: the parse runs in a child process, so none of it stays in this one's RSS (in a
    // worker thread it left tens of MB behind).
    const rssBefore = process.memoryUsage.rss();
    const diff = await diffInWorker(before, after);
    const cost = process.memoryUsage.rss() - rssBefore;
    assert.ok(cost < 10 * 1024 * 1024, `the snapshot diff cost this process ${(cost / 2 ** 20).toFixed(1)} MB of RSS`);
    return diff;
  } finally {
    await worker.terminate();
  }
}

test('a per-message Map that is never trimmed is named by its variable (seenIds)', async () => {
  const { culprits, culpritError } = await culpritsOf('feed', 500, 15_000);
  assert.equal(culpritError, undefined);
  const top = culprits[0];
  assert.ok(top, 'a culprit was found');
  assert.match(top.holder, /^Map \(FeedClient\.seenIds\)$/, top.text);
  assert.match(top.text, /seenIds/);
  assert.match(top.text, /feed/, 'the variable holding the client is on the path');
  assert.match(top.location ?? '', /leaky-clients\.ts:\d+:\d+/, 'the script the path runs through');
  assert.equal(top.countDelta, 15_000, 'entries added between the snapshots');
  assert.ok(top.retainedDeltaBytes > 15_000 * 40, `retained growth ${top.retainedDeltaBytes}`);
  assert.ok(top.retainedBytes >= top.retainedDeltaBytes);
  assert.match(top.path, /feed \(variable\) → FeedClient\.seenIds$/);
});

test('listeners added on every reconnect are named by the listener array and its owner', async () => {
  const { culprits } = await culpritsOf('listeners', 20, 1500);
  const top = culprits[0];
  assert.ok(top, 'a culprit was found');
  assert.match(top.holder, /^Array \(close\)$/, top.text);
  assert.match(top.text, /EventEmitter\._events ← ReconnectingClient\.transport ← reconnecting/);
  assert.equal(top.countDelta, 1500);
  assert.ok(top.retainedDeltaBytes > 1500 * 50, `retained growth ${top.retainedDeltaBytes}`);
});

test('a worker that does not grow yields no culprit above the noise floor', async () => {
  const { culprits } = await culpritsOf('feed', 500, 0);
  const big = culprits.filter((c) => c.retainedDeltaBytes > 256 * 1024);
  assert.deepEqual(big.map((c) => c.text), []);
});
