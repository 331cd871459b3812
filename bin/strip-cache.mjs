// The CLI's TypeScript, served as JavaScript stripped once into a per-user cache: Node's type
// stripper is a WebAssembly module that costs each process ~19 MB of RSS (measured: bare Node
// 42 MB, + one tiny .ts import 61 MB), a share of the supervisor's footprint that measures
// nothing. The first run (or one after an edit) strips what changed, later ones load the cache
// through a load hook and never instantiate the stripper. A file the walk misses is loaded by
// Node as usual. The naming matches src/supervisor/stripped-workers.ts, so both share entries.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SPECIFIER = /\b(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+\.ts)['"]/g;

function cacheDir() {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  const dir = path.join(os.tmpdir(), `exsoak-stripped-${uid}-${process.versions.node}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function strip(source) {
  const emit = process.emitWarning;
  process.emitWarning = (warning, ...rest) => {
    if (String(warning).includes('stripTypeScriptTypes')) return;
    emit.call(process, warning, ...rest);
  };
  try {
    return module.stripTypeScriptTypes(source, { mode: 'strip' });
  } finally {
    process.emitWarning = emit;
  }
}

/** Registers the load hook for the graph under `entryUrl`; false when it cannot (then: plain .ts). */
export function serveStripped(entryUrl) {
  if (typeof module.registerHooks !== 'function' || typeof module.stripTypeScriptTypes !== 'function') return false;
  try {
    const dir = cacheDir();
    const stripped = new Map();
    const queue = [fileURLToPath(entryUrl)];
    while (queue.length > 0) {
      const file = queue.pop();
      if (!file.endsWith('.ts') || stripped.has(pathToFileURL(file).href)) continue;
      const source = readFileSync(file, 'utf8');
      const out = path.join(dir, `${createHash('sha256').update(file).update('\0').update(source).digest('hex').slice(0, 32)}.js`);
      if (!existsSync(out)) writeFileSync(out, strip(source), { mode: 0o600 });
      stripped.set(pathToFileURL(file).href, out);
      for (const m of source.matchAll(SPECIFIER)) queue.push(path.resolve(path.dirname(file), m[1]));
    }
    module.registerHooks({
      load(url, context, nextLoad) {
        const file = stripped.get(url);
        if (file === undefined) return nextLoad(url, context);
        return { format: 'module', source: readFileSync(file, 'utf8'), shortCircuit: true };
      },
    });
    return true;
  } catch {
    return false;
  }
}
