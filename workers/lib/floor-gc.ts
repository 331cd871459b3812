// The forced collections that give the leak detector its heap floors, at a bounded cost (#23 item
// 5). Measured (bench/floor-cost.ts, Binance client at 10k msg/s, floors every 2 s): the
// memory-returning "last resort" collection forced every interval cost ×1.77 the bare CPU per
// message (V8 runs up to seven full GCs for it); one plain full GC per interval ×1.34; none ×1.07.
// A forced full GC costs about its own duration on the probe's thread, whatever the probe does
// (~10 ms for that client), so at a modest message rate it is most of the harness's cost. So:
// - an interval in which V8 ran a full collection of its own forces none: a natural mark-compact
//   leaves the same live heap, and GcFloor (runtime.ts) takes its figure as a full-GC floor;
// - a forced one is a plain full collection, and the memory-returning one only while the probe
//   starts and then every RETURN_MEMORY_EVERY_MS: forced often, plain collections keep V8's
//   memory reducer from running (8 idle workers: +0.9 MB of RSS each against the old rule), and
//   one returning collection now and then is what hands the pages back (when the budget can
//   pay for it: it costs ~3 plain ones; a busy probe's is plain);
// - and they are paid from a budget (the scenario's gcFloorBudget, 3 % by default): that share of
//   the thread's own CPU, or BUDGET_MS_PER_S of wall time when that is more. A collection the
//   budget cannot pay for yet waits for a later interval, never beyond MAX_STRETCH intervals.
//   A full GC of these clients' 15 MB heaps takes ~10 ms on this machine whatever their message
//   rate, so at the default budget their floors come every ~6–14 s instead of every 2 s. A
//   compressed run (nominalDuration 24 h in a 2-minute run) stands for that much more time per
//   second, and its wall-time allowance scales with it: it keeps one floor every interval.
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';
import { clearLongTimer, setLongInterval, type LongTimer } from '../../src/shared/timers.ts';
import { fullGc, memoryReducingGc } from '../../src/shared/forced-gc.ts';

const RETURN_MEMORY_EVERY_MS = 30_000;
/**
 * While a probe starts, every forced collection returns memory: plain ones leave the code and
 * feedback its start-up compiled in the floor, which then rose ~20 KB over its first seconds (5x
 * what the returning ones let through) and made an 8 s healthy run `inconclusive`
 * (test/integration/leak-detection.test.ts). These are not held to the budget.
 */
const START_MS = 10_000;
/** What the budget allows at least, per second of wall time (0.1 % of a core), times a compressed run's compression. */
const BUDGET_MS_PER_S = 1;
/** However costly its collections, a probe gets a floor at least every this many intervals. */
const MAX_STRETCH = 8;

export interface FloorCollector {
  /** Collections forced so far, intervals skipped because a natural full GC came in them, and intervals deferred by the budget. */
  readonly forced: number;
  readonly skipped: number;
  readonly deferred: number;
  /** Time spent in forced collections, ms. */
  readonly spentMs: number;
  stop(): void;
}

/** This thread's CPU time, ms. */
function threadCpuMs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
}

/**
 * `budget`: the share of this thread's CPU the collections may take; null: one every interval.
 * `timeScale`: a compressed run's nominal seconds per second; the wall-time allowance scales with it.
 * `startMs`: how long the unbudgeted, memory-returning start-up phase lasts (tests shorten it).
 * `onFirstWait`: told once, when the budget first makes a collection wait, what it costs and why.
 */
export function startFloorCollections(intervalMs: number, budget: number | null = null, opts: { timeScale?: number; startMs?: number; onFirstWait?: (msg: string, data: Record<string, number>) => void } = {}): FloorCollector {
  const startMs = opts.startMs ?? START_MS;
  const msPerS = BUDGET_MS_PER_S * Math.max(1, opts.timeScale ?? 1);
  const plain = fullGc();
  const returning = memoryReducingGc();
  let lastNaturalMajor = Number.NEGATIVE_INFINITY;
  const started = performance.now();
  let lastReturned = Number.NEGATIVE_INFINITY;
  let lastFloor = started;
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
  const state = { forced: 0, skipped: 0, deferred: 0, spentMs: 0 };
  // What each kind of collection last took, ms: the price of the next one.
  const took = { plain: 0, returning: 0 };
  let credit = 0;
  let accruedAt = started;
  let cpuAt = threadCpuMs();
  const timer: LongTimer = setLongInterval(() => {
    const now = performance.now();
    const cpu = threadCpuMs();
    const earned = Math.max((budget ?? 0) * (cpu - cpuAt), (msPerS * (now - accruedAt)) / 1000);
    const earnedPerS = (earned * 1000) / Math.max(1, now - accruedAt);
    credit += earned;
    accruedAt = now;
    cpuAt = cpu;
    if (now - lastNaturalMajor < intervalMs) {
      state.skipped++;
      lastFloor = now;
      return;
    }
    // Unbudgeted: the start-up phase, and a scenario that turned the budget off.
    const starting = now - started < startMs;
    const budgeted = !starting && budget !== null;
    // Unspent credit does not pile up into a burst of collections later.
    credit = Math.min(credit, 2 * Math.max(took.plain, took.returning));
    let returns = starting || now - lastReturned >= RETURN_MEMORY_EVERY_MS;
    // A returning collection costs ~3 plain ones: a probe whose budget cannot pay for it gets
    // plain ones (busy probes; an idle one's small heap can always afford it).
    if (budgeted && returns && credit < took.returning) returns = false;
    if (budgeted && credit < took.plain && now - lastFloor < MAX_STRETCH * intervalMs - intervalMs / 2) {
      if (state.deferred++ === 0) {
        // Before any plain one has run, the memory-returning one's price is what is being paid back.
        const price = took.plain || took.returning;
        const everyS = Math.min(MAX_STRETCH * intervalMs, Math.max(intervalMs, (price / earnedPerS) * 1000)) / 1000;
        opts.onFirstWait?.(
          `heap-floor collections take ~${price.toFixed(1)} ms each here: at gcFloorBudget ${budget} (~${earnedPerS.toFixed(2)} ms/s for this probe now) one comes about every ${everyS.toFixed(1)} s rather than every ${intervalMs / 1000} s`,
          { collectionMs: Math.round(price * 10) / 10, allowanceMsPerS: Math.round(earnedPerS * 100) / 100, intervalMs },
        );
      }
      return;
    }
    forcedFrom = now;
    if (returns) {
      returning();
      lastReturned = now;
    } else {
      plain();
    }
    forcedTo = performance.now();
    const ms = forcedTo - now;
    took[returns ? 'returning' : 'plain'] = ms;
    if (budgeted) credit -= ms;
    state.spentMs += ms;
    // The collection's own CPU is not the probe's: it earns no budget.
    cpuAt = threadCpuMs();
    accruedAt = forcedTo;
    lastFloor = forcedTo;
    state.forced++;
  }, intervalMs);
  return {
    get forced() {
      return state.forced;
    },
    get skipped() {
      return state.skipped;
    },
    get deferred() {
      return state.deferred;
    },
    get spentMs() {
      return state.spentMs;
    },
    stop() {
      clearLongTimer(timer);
      observer.disconnect();
    },
  };
}
