// The evidence part of the Host contract over a bare worker thread, for tests of the snapshot
// taker that grow a heap without a whole probe around it.
import type { Worker } from 'node:worker_threads';
import type { SnapshotHost } from '../../src/snapshot/taker.ts';

export function workerSnapshotHost(name: string, worker: Worker): SnapshotHost {
  return {
    name,
    alive: true,
    heapLimitBytes: undefined,
    evidence: async () => ({ supported: true, heapBytes: (await worker.getHeapStatistics()).used_heap_size }),
    snapshot: async () => worker.getHeapSnapshot(),
    // The fixture (test/fixtures/leaky-clients.ts) answers as a probe's runtime does.
    releaseSnapshot: (timeoutMs) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        worker.once('message', () => (clearTimeout(timer), resolve(true)));
        worker.postMessage({ release: true });
      }),
  };
}
