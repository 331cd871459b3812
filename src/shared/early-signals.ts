// SIGINT/SIGTERM that arrive while exsoak is still loading (bin/exsoak.js catches them before
// the TypeScript is imported, ~0.3 s): without this a signal then killed the process with 143
// and nothing written. The command that takes them over decides what they mean.

const KEY = Symbol.for('exsoak.earlySignals');

interface EarlySignals {
  signals: NodeJS.Signals[];
  release(): void;
}

/** The signals caught so far; from now on they are the caller's to handle (its own listeners). */
export function takeEarlySignals(): NodeJS.Signals[] {
  const holder = globalThis as unknown as Record<symbol, EarlySignals | undefined>;
  const early = holder[KEY];
  if (!early) return [];
  delete holder[KEY];
  early.release();
  return early.signals;
}

/**
 * The signals caught so far, leaving the early listeners in place: Node drops a signal that is
 * pending while no listener is attached, so whoever takes them over must listen first.
 */
export function peekEarlySignals(): NodeJS.Signals[] {
  const early = (globalThis as unknown as Record<symbol, EarlySignals | undefined>)[KEY];
  return early ? [...early.signals] : [];
}
