// Append-only files of a run. Writes are synchronous on purpose: a line is in the kernel's
// hands when the call returns, so a crash or kill -9 loses at most the sample being written.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync, renameSync } from 'node:fs';
import path from 'node:path';

export class ResultsWriteError extends Error {}

export class AppendFile {
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
      writeSync(this.fd, text);
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
    this.write(JSON.stringify(record) + '\n');
  }
}

/** Writes a whole file atomically (write then rename), so a reader never sees half of it. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeTextAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

export function writeTextAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  try {
    writeFileSync(tmp, text);
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
export function createRunDir(opts: { out?: string; base?: string; scenario: string; now?: Date }): string {
  const base = opts.base ?? 'results';
  const name = `${opts.scenario}-${stamp(opts.now ?? new Date())}`;
  let dir = opts.out ?? path.join(base, name);
  try {
    if (!opts.out) {
      mkdirSync(base, { recursive: true });
      // Two runs started in the same second must not share a folder: mkdir claims one atomically.
      for (let n = 2; !claim(dir); n++) dir = path.join(base, `${name}-${n}`);
    }
    mkdirSync(path.join(dir, 'snapshots'), { recursive: true });
  } catch (err) {
    throw new ResultsWriteError(`${dir}: cannot create the results folder (${(err as NodeJS.ErrnoException).code})`);
  }
  return dir;
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
