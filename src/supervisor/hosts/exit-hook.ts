// Process groups still running when the supervisor exits without stopping them (an uncaught
// error, process.exit) are killed by one exit hook: nothing a probe started outlives the run.
// (Where no hook runs — kill -9, the OOM killer — the orphan guard does it: orphan-guard.ts.)

export interface Killable {
  /** SIGKILLs what is left, synchronously (an exit hook cannot wait). */
  killNow(): void;
}

const live = new Set<Killable>();
let installed = false;

export function trackUntilExit(group: Killable): void {
  live.add(group);
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const g of live) g.killNow();
  });
}

export function untrack(group: Killable): void {
  live.delete(group);
}
