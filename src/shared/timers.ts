// Timers for scenario durations. Node's setTimeout/setInterval take a signed 32-bit delay: past
// 2^31-1 ms (24.8 days) it warns and fires after 1 ms, so a 1000 h soak ended at once with PASS.
// These re-arm in chunks below that limit, so any delay up to MAX_DURATION_MS fires on time.

export { MAX_DURATION_MS } from './units.ts';

/** The longest delay one Node timer takes without overflowing. */
export const MAX_TIMER_CHUNK_MS = 2 ** 31 - 1;

export interface LongTimer {
  /** Set once cleared; a cleared timer never fires. */
  cleared: boolean;
  /** The Node timer of the current chunk. */
  current?: NodeJS.Timeout;
  /** Whether the timer keeps the event loop alive (like Timeout.ref/unref). */
  refed: boolean;
}

function checkDelay(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`timer delay must be a finite non-negative number of ms, got ${ms}`);
  return ms;
}

/** setTimeout for any delay up to (and beyond) 2^31-1 ms: fires once after `ms`. */
export function setLongTimeout(fn: () => void, ms: number, opts: { chunkMs?: number } = {}): LongTimer {
  const chunk = opts.chunkMs ?? MAX_TIMER_CHUNK_MS;
  const handle: LongTimer = { cleared: false, refed: true };
  // Measured against the clock, not by summing chunks: a busy loop that fires a chunk late does
  // not make the whole delay late by the sum of those lags.
  const due = Date.now() + checkDelay(ms);
  const arm = () => {
    if (handle.cleared) return;
    const left = due - Date.now();
    if (left <= chunk) {
      handle.current = setTimeout(() => {
        if (!handle.cleared) fn();
      }, Math.max(0, left));
    } else {
      handle.current = setTimeout(arm, chunk);
    }
    if (!handle.refed) handle.current.unref();
  };
  arm();
  return handle;
}

/** setInterval for any period: `fn` every `ms`, the same chunking as setLongTimeout. */
export function setLongInterval(fn: () => void, ms: number, opts: { chunkMs?: number } = {}): LongTimer {
  const chunk = opts.chunkMs ?? MAX_TIMER_CHUNK_MS;
  checkDelay(ms);
  // The usual case stays a plain setInterval: one timer, no drift from re-arming.
  if (ms <= chunk) {
    const handle: LongTimer = { cleared: false, refed: true, current: setInterval(() => handle.cleared || fn(), Math.max(1, ms)) };
    return handle;
  }
  const handle: LongTimer = { cleared: false, refed: true };
  const next = () => {
    const inner = setLongTimeout(() => {
      next();
      fn();
    }, ms, { chunkMs: chunk });
    inner.refed = handle.refed;
    if (!handle.refed) inner.current?.unref();
    // Share the inner timer's state so clearLongTimer stops whichever chunk is pending.
    Object.defineProperty(handle, 'current', { configurable: true, get: () => inner.current });
    innerOf.set(handle, inner);
  };
  next();
  return handle;
}

const innerOf = new WeakMap<LongTimer, LongTimer>();

/** Clears a timer from setLongTimeout or setLongInterval; undefined and repeated clears are fine. */
export function clearLongTimer(handle: LongTimer | undefined): void {
  if (!handle) return;
  handle.cleared = true;
  const inner = innerOf.get(handle);
  if (inner) clearLongTimer(inner);
  if (handle.current) {
    clearTimeout(handle.current);
    clearInterval(handle.current);
  }
}

/** Lets the process exit while the timer is pending (Timeout.unref). */
export function unrefLongTimer(handle: LongTimer): LongTimer {
  handle.refed = false;
  handle.current?.unref();
  const inner = innerOf.get(handle);
  if (inner) unrefLongTimer(inner);
  return handle;
}

/** A promise that resolves after `ms` (any length), and the timer to clear it early. */
export function longDelay<T>(ms: number, value: T): { promise: Promise<T>; timer: LongTimer } {
  let timer!: LongTimer;
  const promise = new Promise<T>((resolve) => (timer = setLongTimeout(() => resolve(value), ms)));
  return { promise, timer };
}
