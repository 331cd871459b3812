// A full collection on demand in a process not started with --expose-gc. V8 flags are
// process-wide, but the `gc` function only appears in contexts created after the flag is set: a
// fresh vm context of this isolate hands it over without touching the others.
import v8 from 'node:v8';
import vm from 'node:vm';

type Gc = (options?: { type: 'major' | 'minor'; execution: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' }) => void;

let gc: Gc | undefined;

function exposed(): Gc {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as Gc;
  }
  return gc;
}

/**
 * A full collection of the calling thread's isolate that also hands memory back: V8's
 * "last resort" flavour shrinks the young generation and releases emptied pages. A plain
 * forced collection keeps them committed and keeps V8's memory reducer from ever running, so a
 * worker collected every 5 s held ~2.4 MB more RSS than an idle one; this one holds less
 * (measured: 8 workers, 146.5 vs 120.2 MB, bare 126.2 MB). What it leaves is the same live heap.
 */
export function memoryReducingGc(): () => void {
  const collect = exposed();
  return () => collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
