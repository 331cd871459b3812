// The forced collections that give the leak detector its heap floors, made cheaper (#23 item 5).
// Measured (bench/floor-cost.ts, Binance client at 10k msg/s, floors every 2 s, steady state):
// the memory-returning "last resort" collection forced every interval cost ×1.77 the bare CPU
// per message (V8 runs up to seven full GCs for it); this rule ×1.34; none at all ×1.07. So:
// - an interval in which V8 ran a full collection of its own forces none: a natural mark-compact
//   leaves the same live heap, and GcFloor (runtime.ts) takes its figure as a full-GC floor;
// - otherwise one plain full collection, and the memory-returning one only while the probe
//   starts and then every RETURN_MEMORY_EVERY_MS: forced often, plain collections keep V8's
//   memory reducer from running (8 idle workers: +0.9 MB of RSS each against the old rule),
//   and one returning collection now and then is what hands the pages back.
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';
import { clearLongTimer, setLongInterval, type LongTimer } from '../../src/shared/timers.ts';
import { fullGc, memoryReducingGc } from '../../src/shared/forced-gc.ts';

const RETURN_MEMORY_EVERY_MS = 30_000;
/**
 * While a probe starts, every forced collection returns memory: plain ones leave the code and
 * feedback its start-up compiled in the floor, which then rose ~20 KB over its first seconds (5x
 * what the returning ones let through) and made an 8 s healthy run `inconclusive`
 * (test/integration/leak-detection.test.ts).
 */
const START_MS = 10_000;

export interface FloorCollector {
  /** Collections forced so far, and intervals skipped because a natural full GC came in them. */
  readonly forced: number;
  readonly skipped: number;
  stop(): void;
}

/** `npm run bench -- --suite floor` measures the old rule (a returning collection every interval) beside this one. */
const OLD_RULE = process.env.EXSOAK_BENCH_FLOOR_OLD_RULE === '1';

export function startFloorCollections(intervalMs: number): FloorCollector {
  const plain = fullGc();
  const returning = memoryReducingGc();
  let lastNaturalMajor = Number.NEGATIVE_INFINITY;
  const started = performance.now();
  let lastReturned = Number.NEGATIVE_INFINITY;
  // Our own forced collections are major GCs too: they are told apart by when they ran.
  let forcedFrom = Number.NaN;
  let forcedTo = Number.NaN;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as { detail?: { kind?: number } }).detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      if (entry.startTime >= forcedFrom && entry.startTime <= forcedTo) continue;
      lastNaturalMajor = Math.max(lastNaturalMajor, entry.startTime + entry.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const state = { forced: 0, skipped: 0 };
  const timer: LongTimer = setLongInterval(() => {
    const now = performance.now();
    if (!OLD_RULE && now - lastNaturalMajor < intervalMs) {
      state.skipped++;
      return;
    }
    forcedFrom = now;
    if (OLD_RULE || now - started < START_MS || now - lastReturned >= RETURN_MEMORY_EVERY_MS) {
      returning();
      lastReturned = now;
    } else {
      plain();
    }
    forcedTo = performance.now();
    state.forced++;
  }, intervalMs);
  return {
    get forced() {
      return state.forced;
    },
    get skipped() {
      return state.skipped;
    },
    stop() {
      clearLongTimer(timer);
      observer.disconnect();
    },
  };
}
