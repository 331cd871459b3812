// Worker threads that load TypeScript each instantiate Node's type stripper (a WebAssembly
// module) in their own isolate: about 12 MB of RSS per worker, measured (bench --suite
// footprint), for nothing the probe uses. The supervisor strips a worker's module graph once,
// in the main thread that has the stripper loaded anyway, into a per-user cache; the worker
// boots through workers/lib/boot.mjs, whose load hook hands Node the stripped text for those
// files. A file the walk missed is loaded the usual way: slower to boot, never wrong.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const BOOT_FILE = fileURLToPath(new URL('../../workers/lib/boot.mjs', import.meta.url));

export interface StrippedGraph {
  /** file URL of the worker's entry module. */
  entry: string;
  /** file URL of a .ts module -> path of its stripped JavaScript. */
  stripped: Record<string, string>;
}

const graphs = new Map<string, StrippedGraph | undefined>();
const SPECIFIER = /\b(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+\.ts)['"]/g;

/** The stripped graph of a worker entry, or undefined when it cannot be prepared (then: plain .ts). */
export function strippedGraph(entryFile: string): StrippedGraph | undefined {
  if (!graphs.has(entryFile)) {
    let graph: StrippedGraph | undefined;
    try {
      graph = walk(entryFile);
    } catch {
      graph = undefined;
    }
    graphs.set(entryFile, graph);
  }
  return graphs.get(entryFile);
}

function cacheDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  const dir = path.join(os.tmpdir(), `exsoak-stripped-${uid}-${process.versions.node}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function walk(entryFile: string): StrippedGraph {
  const dir = cacheDir();
  const stripped: Record<string, string> = {};
  const queue = [path.resolve(entryFile)];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file) || !file.endsWith('.ts')) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const out = path.join(dir, `${createHash('sha256').update(file).update('\0').update(source).digest('hex').slice(0, 32)}.js`);
    if (!existsSync(out)) writeFileSync(out, quietStrip(source), { mode: 0o600 });
    stripped[pathToFileURL(file).href] = out;
    for (const m of source.matchAll(SPECIFIER)) queue.push(path.resolve(path.dirname(file), m[1]!));
  }
  return { entry: pathToFileURL(path.resolve(entryFile)).href, stripped };
}

/** Node flags the API as experimental on every call's first use: the warning is ours to keep quiet. */
function quietStrip(source: string): string {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(warning).includes('stripTypeScriptTypes')) return;
    (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return stripTypeScriptTypes(source, { mode: 'strip' });
  } finally {
    process.emitWarning = emit;
  }
}
