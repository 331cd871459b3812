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
  };
}
