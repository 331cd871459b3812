// What V8 keeps in a worker after a heap snapshot of it (#23 item 4b). Taking one makes the
// isolate's heap profiler keep an id for every object it saw, and a copy of every name, for
// the next snapshot's sake, and follow every object the GC moves from then on: for a 65 MB
// worker heap ~96 MB of malloc'd memory that stayed in the process's RSS after the snapshot had
// been written. The inspector's HeapProfiler.disable clears them (ClearObjectIds).
import { Session } from 'node:inspector';

export function releaseSnapshotState(): Promise<void> {
  return new Promise((resolve) => {
    const session = new Session();
    const done = () => {
      session.disconnect();
      resolve();
    };
    try {
      session.connect();
      session.post('HeapProfiler.enable', () => session.post('HeapProfiler.disable', done));
    } catch {
      // Another inspector client owns the profiler: nothing to release from here.
      resolve();
    }
  });
}
