// Parses two snapshots in a child process of their own: parsing a snapshot takes several times
// its size in memory, and a worker thread's would stay in the supervisor's RSS after it exits
// (the allocator keeps freed pages), where the run measures memory. A child hands it all back
// to the system when it exits. The type summary and the culprits (holders of what grew, with
// their retainer paths) are computed one snapshot at a time to bound its memory.
import { diffSummaries, summarizeSnapshot } from './summary.ts';
import { findCulprits, indexOf, type Culprit } from './culprits.ts';
import { loadHeapGraph } from './graph.ts';

const [before, after] = process.argv.slice(2) as [string, string];
const rows = diffSummaries(summarizeSnapshot(before), summarizeSnapshot(after));
let culprits: Culprit[] = [];
let culpritError: string | undefined;
try {
  culprits = findCulprits(indexOf(loadHeapGraph(before)), after);
} catch (err) {
  culpritError = (err as Error).message;
}
process.send!({ rows, culprits, ...(culpritError ? { culpritError } : {}) }, () => process.disconnect());
