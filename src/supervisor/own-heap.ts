// The supervisor's own heap, handed back now and then (#23 item 4a). What it keeps is flat (its
// post-GC heap stayed at 9–10 MB over a real hour at 1 s sampling), but what it promotes — samples
// held for the leak detectors' windows, then dropped — lets V8 grow the old generation between
// its rare major collections, and keep the pages committed after them: process RSS rose 6.4–8.2 MB
// from minute 3 to minute 55 with 1 or 8 idle probes or process probes, the heap total with it
// (+1.4–2.2 MB with these collections). A memory-returning
// full collection every few hundred samples (up to seven GCs of a ~15 MB heap: milliseconds,
// minutes apart) hands those pages back. Counted in samples, so a compressed run sees the same.
import { memoryReducingGc } from '../shared/forced-gc.ts';
import { setLongInterval, unrefLongTimer, type LongTimer } from '../shared/timers.ts';

/** Samples between two collections: 5 minutes at the usual 1 s. */
const SAMPLES_BETWEEN = 300;
/** Never more often than this, however fast the sampling. */
const MIN_INTERVAL_MS = 10_000;

/** One collection now (the start-up garbage, once every probe has started), then one every SAMPLES_BETWEEN samples. */
export function startOwnHeapCollections(sampleIntervalMs: number): LongTimer {
  const collect = memoryReducingGc();
  collect();
  // Never what keeps a finished run's process alive.
  return unrefLongTimer(setLongInterval(collect, Math.max(MIN_INTERVAL_MS, SAMPLES_BETWEEN * sampleIntervalMs)));
}
