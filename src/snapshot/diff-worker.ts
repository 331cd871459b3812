// Parses two snapshots off the main thread: a multi-megabyte JSON.parse there would stall the
// sampler and every other probe's reporting. The type summary and the culprits (holders of what
// grew, with their retainer paths) are computed one snapshot at a time to bound memory.
import { parentPort, workerData } from 'node:worker_threads';
import { diffSummaries, summarizeSnapshot } from './summary.ts';
import { findCulprits, indexOf, type Culprit } from './culprits.ts';
import { loadHeapGraph } from './graph.ts';

const { before, after } = workerData as { before: string; after: string };
const rows = diffSummaries(summarizeSnapshot(before), summarizeSnapshot(after));
let culprits: Culprit[] = [];
let culpritError: string | undefined;
try {
  culprits = findCulprits(indexOf(loadHeapGraph(before)), after);
} catch (err) {
  culpritError = (err as Error).message;
}
parentPort!.postMessage({ rows, culprits, ...(culpritError ? { culpritError } : {}) });
