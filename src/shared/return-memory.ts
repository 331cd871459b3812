// Handing the C allocator's free memory back to the OS (#23 item 4b). A heap snapshot of a worker
// is built by V8 inside this process, with malloc: a 40 MB worker heap's snapshot took ~850 MB
// and, freed, glibc kept it (+507 MB of RSS a minute later, +620 MB after two; its tunables
// changed little) because the free chunks sit between live ones, where only `malloc_trim`
// returns them (madvise on every arena's free pages). Node has no binding for it: koffi (an FFI
// with prebuilt binaries, an optional dependency) calls the C library's. Where it cannot (not
// glibc, koffi not installed) nothing is returned and the verdict still subtracts the snapshots'
// share of RSS (instrument-cost.ts).
import { createRequire } from 'node:module';

type Trim = (pad: number) => number;

let trim: Trim | null | undefined;
let why = '';

function load(): Trim | null {
  if (trim !== undefined) return trim;
  trim = null;
  if (process.platform !== 'linux') {
    why = `malloc_trim is glibc's (this is ${process.platform})`;
    return trim;
  }
  try {
    const koffi = createRequire(import.meta.url)('koffi') as { load(path: string): { func(signature: string): Trim } };
    trim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)');
  } catch (err) {
    why = `malloc_trim unavailable: ${(err as Error).message.split('\n')[0]}`;
  }
  return trim;
}

export interface Returned {
  /** Whether the allocator was asked to return its free pages. */
  trimmed: boolean;
  /** Why it was not, when it was not. */
  why?: string;
  tookMs: number;
}

/** Returns the allocator's free pages in every arena to the OS: tens of ms, the allocator's locks held meanwhile. */
export function returnFreeMemory(): Returned {
  const started = performance.now();
  const fn = load();
  if (!fn) return { trimmed: false, why, tookMs: 0 };
  fn(0);
  return { trimmed: true, tookMs: performance.now() - started };
}
