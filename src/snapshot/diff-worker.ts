// Parses two snapshots off the main thread: a multi-megabyte JSON.parse there would stall the
// sampler and every other probe's reporting.
import { parentPort, workerData } from 'node:worker_threads';
import { diffSummaries, summarizeSnapshot } from './summary.ts';

const { before, after } = workerData as { before: string; after: string };
parentPort!.postMessage(diffSummaries(summarizeSnapshot(before), summarizeSnapshot(after)));
