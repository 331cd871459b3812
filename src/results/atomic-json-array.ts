// The seed's `<probe>_soak_memory_profile.json` must be valid JSON at every moment (#17 item 8):
// a reader (a dashboard, `jq`, the seed's own tooling) may open it mid-run. Each flush builds the
// next version beside it and renames it over the old one, so a reader sees the old file or the
// new one, never half of one.
//
// The file is not rebuilt from memory: the previous version is copied in the kernel
// (copy_file_range) and only the new entries are written over its closing bracket, so the
// supervisor holds none of the profile (a 24 h run at 1 s sampling is 86,400 entries, ~8 MB that
// would otherwise sit in the heap whose RSS the run measures). The copy still grows with the
// file, so flushes are paced: their time under `budget` of the wall time (1 % by default) and
// what they write under `bytesPerSec` (1 MB/s: a 24 h profile must not wear a disk out). At the
// seed's pace (60 s sampling) and up to ~1 MB that is every sample; at 86,400 entries (10 MB)
// every ~10 s (`node bench/profile-rewrite.ts`; figures in README "Results").
import { closeSync, copyFileSync, fstatSync, openSync, renameSync, writeSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ResultsWriteError } from './files.ts';

const TAIL = '\n]\n';

export class AtomicJsonArrayFile {
  readonly file: string;
  private readonly tmp: string;
  private count = 0;
  private pending: string[] = [];
  /** Share of wall time flushes may take. */
  private readonly budget: number;
  private readonly bytesPerSec: number;
  private nextFlushAt = 0;
  private readonly now: () => number;
  /** Cost of the last flush, ms (for tests and the bench). */
  lastFlushMs = 0;

  constructor(file: string, opts: { budget?: number; bytesPerSec?: number; now?: () => number } = {}) {
    this.file = file;
    this.tmp = `${file}.tmp`;
    this.budget = opts.budget ?? 0.01;
    this.bytesPerSec = opts.bytesPerSec ?? 1024 * 1024;
    this.now = opts.now ?? (() => performance.now());
    try {
      writeFileSync(this.tmp, `[${TAIL}`);
      renameSync(this.tmp, file);
    } catch (err) {
      throw new ResultsWriteError(`${file}: cannot open for writing (${(err as NodeJS.ErrnoException).code})`);
    }
  }

  get length(): number {
    return this.count + this.pending.length;
  }

  push(record: unknown): void {
    this.pending.push(JSON.stringify(record));
    if (this.now() >= this.nextFlushAt) this.flush();
  }

  /** Writes what is pending now, whatever the pacing says. */
  flush(): void {
    if (this.pending.length === 0) return;
    const started = this.now();
    const body = (this.count === 0 ? '\n  ' : ',\n  ') + this.pending.join(',\n  ') + TAIL;
    let fd: number | undefined;
    let size = 0;
    try {
      copyFileSync(this.file, this.tmp);
      fd = openSync(this.tmp, 'r+');
      size = fstatSync(fd).size;
      writeSync(fd, body, size - TAIL.length);
      closeSync(fd);
      fd = undefined;
      renameSync(this.tmp, this.file);
    } catch (err) {
      if (fd !== undefined) closeSync(fd);
      throw new ResultsWriteError(`${this.file}: write failed (${(err as NodeJS.ErrnoException).code})`);
    }
    this.count += this.pending.length;
    this.pending = [];
    this.lastFlushMs = this.now() - started;
    this.nextFlushAt = started + Math.max(this.lastFlushMs / this.budget, ((size + body.length) / this.bytesPerSec) * 1000);
  }

  close(): void {
    this.flush();
  }
}
