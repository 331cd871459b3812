// Append-only files of a run. Writes are synchronous on purpose: a line is in the kernel's
// hands when the call returns, so a crash or kill -9 loses at most the sample being written.
// Every write goes through here, so this is where known secret values are masked and secret
// fields redacted (src/shared/secrets.ts), whoever put them in what is written.
import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, statSync, truncateSync, writeFileSync, writeSync, renameSync } from 'node:fs';
import path from 'node:path';
import { toJsonSafe } from '../shared/untrusted.ts';
import { maskSecrets, redactSecretFields } from '../shared/secrets.ts';

export class ResultsWriteError extends Error {}

class AppendFile {
  private fd: number | undefined;
  readonly file: string;

  constructor(file: string) {
    this.file = file;
    try {
      this.fd = openSync(file, 'a');
    } catch (err) {
      throw new ResultsWriteError(`${file}: cannot open for writing (${(err as NodeJS.ErrnoException).code})`);
    }
  }

  write(text: string): void {
    if (this.fd === undefined) return;
    try {
      writeSync(this.fd, maskSecrets(text));
    } catch (err) {
      throw new ResultsWriteError(`${this.file}: write failed (${(err as NodeJS.ErrnoException).code})`);
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export class NdjsonFile extends AppendFile {
  append(record: unknown): void {
    this.write(jsonLine(redactSecretFields(record)));
  }
}

/**
 * A record as one JSON line. One that JSON cannot carry (a BigInt, a cycle, nesting past the
 * stack) is written made safe instead: a bad value is never "results could not be written" (#26.5).
 */
function jsonLine(record: unknown): string {
  try {
    return JSON.stringify(record) + '\n';
  } catch {
    return JSON.stringify(toJsonSafe(record, { depth: 32, width: 10_000, stringChars: 1_000_000, bytes: 16 * 1024 * 1024 }).value) + '\n';
  }
}

/** Writes a whole file atomically (write then rename), so a reader never sees half of it. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeTextAtomic(file, JSON.stringify(redactSecretFields(value), null, 2) + '\n');
}

export function writeTextAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  try {
    writeFileSync(tmp, maskSecrets(text));
    renameSync(tmp, file);
  } catch (err) {
    throw new ResultsWriteError(`${file}: write failed (${(err as NodeJS.ErrnoException).code})`);
  }
}

function stamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/** `results/<scenario>-<YYYYMMDD-HHMMSS>/` (or `--out`), with its snapshots/ folder. */
export function createRunDir(opts: { out?: string; base?: string; scenario: string; now?: Date; overwrite?: boolean }): string {
  const base = opts.base ?? 'results';
  const name = `${opts.scenario}-${stamp(opts.now ?? new Date())}`;
  let dir = opts.out ?? path.join(base, name);
  // A second run appending to the first's files mixes both (two arrays in one profile JSON).
  if (opts.out) clearForReuse(opts.out, opts.overwrite ?? false);
  try {
    if (!opts.out) {
      makeDirs(base);
      // Two runs started in the same second must not share a folder: mkdir claims one atomically.
      for (let n = 2; !claim(dir); n++) dir = path.join(base, `${name}-${n}`);
    }
    makeDirs(path.join(dir, 'snapshots'));
  } catch (err) {
    throw new ResultsWriteError(`${dir}: cannot create the results folder (${(err as NodeJS.ErrnoException).code})`);
  }
  return dir;
}

/** The files a run writes at the top of its folder: what --overwrite truncates. */
const RUN_FILE = /^(run\.json|verdict\.json|samples\.ndjson|events\.ndjson|log\.ndjson|report\.html|junit\.xml|summary\.json|simulators\.json|.+_soak_memory_profile\.json)$/;

/**
 * --out names a folder with files in it: refused, or with --overwrite the files a run writes
 * are truncated (nothing is deleted; a symlink or device stays and is written through).
 */
function clearForReuse(dir: string, overwrite: boolean): void {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new ResultsWriteError(`--out ${dir}: exists and is not a folder`);
    entries = readdirSync(dir);
  } catch (err) {
    if (err instanceof ResultsWriteError) throw err;
    return; // absent (or unreadable: makeDirs reports it)
  }
  if (entries.length === 0) return;
  if (!overwrite) throw new ResultsWriteError(`--out ${dir}: the folder is not empty (${entries.length} entries); choose another or pass --overwrite`);
  for (const entry of entries) {
    const file = path.join(dir, entry);
    try {
      if (RUN_FILE.test(entry) && lstatSync(file).isFile()) truncateSync(file, 0);
    } catch (err) {
      throw new ResultsWriteError(`${file}: cannot overwrite (${(err as NodeJS.ErrnoException).code})`);
    }
  }
}

/**
 * mkdir -p with a bounded number of steps. Node's recursive mkdir spins at 100 % CPU forever
 * when mkdir answers ENOENT under a parent that exists (`--out /proc`).
 */
function makeDirs(dir: string): void {
  const absolute = path.resolve(dir);
  const parts: string[] = [];
  for (let p = absolute; p !== path.dirname(p); p = path.dirname(p)) parts.unshift(p);
  for (const part of parts) {
    try {
      mkdirSync(part);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw err;
      if (!statSync(part).isDirectory()) throw Object.assign(new Error(`${part} is not a folder`), { code: 'ENOTDIR' });
    }
  }
}

function claim(dir: string): boolean {
  try {
    mkdirSync(dir);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}
