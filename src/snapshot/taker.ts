// Heap snapshots of a probe worker, taken when it matters: an abort-on-fail breach, a confirmed
// leak (then a second one later, and a diff of the two), or a heap close to its limit.
// Rationed: at most `max` per run, not more often than `minIntervalMs` per probe, and only when
// the machine has room (writing a snapshot needs about twice the heap).
import { createWriteStream, existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fork } from 'node:child_process';
import type { Bus } from '../bus/bus.ts';
import type { Host } from '../bus/host.ts';
import { clearLongTimer, setLongTimeout, type LongTimer } from '../shared/timers.ts';
import { moduleFile } from '../shared/module-file.ts';
import type { GrowthRow } from './summary.ts';
import type { Culprit } from './culprits.ts';
import { SecretScrubber } from '../shared/secret-stream.ts';
import { knownSecrets } from '../shared/secrets.ts';
import { PYTHON_LOOK_SUFFIX, lookDiff } from './python-culprits.ts';
import { copyScrubbed } from './scrub-copy.ts';
import { memoryReducingGc } from '../shared/forced-gc.ts';
import { returnFreeMemory, type Returned } from '../shared/return-memory.ts';

interface SnapshotSettings {
  max: number;
  minIntervalMs: number;
  /** After a confirmed leak, the second snapshot comes this much later (or at the end of the run). */
  secondAfterMs: number;
  /** Take one when a worker's heap passes this fraction of its limit (resourceLimits). */
  nearLimitRatio: number;
}

/** What the taker needs of a host: the evidence part of the Host contract. */
export type SnapshotHost = Pick<Host, 'name' | 'alive' | 'heapLimitBytes' | 'evidence' | 'snapshot' | 'releaseSnapshot'>;

/** How long a probe's runtime may take to drop its snapshot state before the memory is returned without it. */
const RELEASE_TIMEOUT_MS = 5_000;

export interface SnapshotTakerOptions {
  dir: string;
  bus: Bus;
  hosts: () => SnapshotHost[];
  settings: SnapshotSettings;
}

export class SnapshotTaker {
  private taken = 0;
  private finishing = false;
  private readonly lastAt = new Map<string, number>();
  private readonly firstOf = new Map<string, string>();
  private readonly pendingSecond = new Map<string, LongTimer>();
  private readonly nearLimitDone = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly opts: SnapshotTakerOptions;

  constructor(opts: SnapshotTakerOptions) {
    this.opts = opts;
    opts.bus.on('sample', (sample) => {
      if (sample.probe === 'process' || sample.heapUsed === null || this.nearLimitDone.has(sample.probe)) return;
      const limit = opts.hosts().find((h) => h.name === sample.probe)?.heapLimitBytes ?? sample.heapLimit;
      if (!limit || sample.heapUsed < limit * opts.settings.nearLimitRatio) return;
      this.nearLimitDone.add(sample.probe);
      void this.capture(sample.probe, 'near-heap-limit');
    });
  }

  /**
   * Takes a snapshot of the probe's worker; resolves with its path, or undefined with the reason
   * logged. `keepForDiff`: the next snapshot of this probe will be compared with this one, so the
   * probe's runtime keeps what tells their objects apart (its heap profiler's ids) until then.
   */
  capture(probe: string, reason: string, ignoreInterval = false, keepForDiff = false): Promise<string | undefined> {
    return this.track(this.doCapture(probe, reason, ignoreInterval, keepForDiff));
  }

  /** A leak was confirmed: first snapshot now, the second later, then the diff. */
  onLeak(probe: string): Promise<void> {
    return this.track(this.firstThenSecond(probe));
  }

  private async firstThenSecond(probe: string): Promise<void> {
    // The worker keeps its heap profiler's object ids until the second: they are what tells the
    // objects that are new in it from those already in the first.
    const first = await this.capture(probe, 'leak-confirmed', false, true);
    if (!first) return;
    this.firstOf.set(probe, first);
    // The run is ending: the second snapshot now, while the worker is still there.
    if (this.finishing) return this.second(probe);
    const timer = setLongTimeout(() => void this.track(this.second(probe)), this.opts.settings.secondAfterMs);
    this.pendingSecond.set(probe, timer);
  }

  private track<T>(job: Promise<T>): Promise<T> {
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job)).catch(() => undefined);
    return job;
  }

  private async second(probe: string): Promise<void> {
    clearLongTimer(this.pendingSecond.get(probe));
    this.pendingSecond.delete(probe);
    const first = this.firstOf.get(probe);
    this.firstOf.delete(probe);
    const second = await this.capture(probe, 'leak-second', true);
    // No second to compare with: what the first kept is released all the same.
    if (first && !second) await this.release(probe);
    if (!first || !second) return;
    try {
      // A Python agent compares its own looks; the second one carries what grew since the first.
      const { rows, culprits, culpritError } = second.endsWith(PYTHON_LOOK_SUFFIX) ? lookDiff(await readFile(second, 'utf8')) : await diffInWorker(first, second);
      if (culpritError) this.log(probe, `retainer analysis failed: ${culpritError}`);
      this.opts.bus.emit('event', {
        t: Date.now(),
        probe,
        kind: 'snapshot-diff',
        // The verdict engine attaches `rows` (snapshotDiff) and `culprits` (leak.culprits) to the probe's verdict.
        data: { before: path.basename(first), after: path.basename(second), rows, culprits },
      });
    } catch (err) {
      this.log(probe, `snapshot diff failed: ${(err as Error).message}`);
    }
  }

  /** Before the probes stop: take the pending second snapshots now and wait for every write. */
  async finish(): Promise<void> {
    this.finishing = true;
    await Promise.all([...this.pendingSecond.keys()].map((probe) => this.second(probe)));
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async doCapture(probe: string, reason: string, ignoreInterval: boolean, keepForDiff: boolean): Promise<string | undefined> {
    const host = this.opts.hosts().find((h) => h.name === probe);
    const { settings } = this.opts;
    const now = Date.now();
    const skip = (why: string) => {
      this.opts.bus.emit('event', { t: now, probe, kind: 'snapshot-skipped', data: { reason, why } });
      return undefined;
    };
    if (!host?.alive) return skip('the probe is not running');
    const support = await host.evidence();
    if (!support.supported) return skip(support.why);
    if (this.taken >= settings.max) return skip(`the run's limit of ${settings.max} snapshots is reached`);
    const last = this.lastAt.get(probe);
    if (!ignoreInterval && last !== undefined && now - last < settings.minIntervalMs) return skip('the previous snapshot of this probe is too recent');
    const need = 2 * support.heapBytes + 64 * 1024 * 1024;
    if (os.freemem() < need) return skip(`not enough free memory (${Math.round(os.freemem() / 2 ** 20)} MB free, ${Math.round(need / 2 ** 20)} MB needed)`);
    this.taken++;
    this.lastAt.set(probe, now);
    const suffix = support.format === 'python-look' ? PYTHON_LOOK_SUFFIX : '.heapsnapshot';
    const file = path.join(this.opts.dir, 'snapshots', `${probe}-${new Date(now).toISOString().replace(/:/g, '-')}${suffix}`);
    // What the snapshot costs the process (see cost.ts): RSS before and after, on the bus.
    const rssBefore = process.memoryUsage.rss();
    const cost = () => {
      const rssAfter = process.memoryUsage.rss();
      return { rssBeforeBytes: rssBefore, rssAfterBytes: rssAfter, rssCostBytes: rssAfter - rssBefore };
    };
    this.opts.bus.emit('event', { t: now, probe, kind: 'snapshot-start', data: { reason, rssBeforeBytes: rssBefore } });
    try {
      // Streamed to disk as the host's runtime serialises it: the main thread never holds the whole
      // snapshot. Owner-only (0600): a snapshot is the probe's whole heap. Known secrets are masked.
      const scratch = `${file}.raw`;
      // A runtime in another process wrote it into the scratch file: nothing of it was built here.
      let spilled = false;
      try {
        const stream = await host.snapshot(scratch);
        const secrets = knownSecrets().values;
        spilled = existsSync(scratch);
        if (spilled) {
          // A process probe's runtime wrote it into the scratch file: copied through one reused
          // buffer, since a stream pipeline's chunk buffers left ~40 MB in the supervisor's RSS.
          (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
          await copyScrubbed(scratch, file, secrets);
        } else {
          await pipeline(stream, new SecretScrubber(secrets), createWriteStream(file, { mode: 0o600 }));
        }
      } finally {
        await rm(scratch, { force: true });
      }
      const written = Date.now();
      // Another snapshot of this probe in between a leak pair's two keeps the first's ids too.
      const returned = spilled ? undefined : await this.returnMemory(host, keepForDiff || this.firstOf.has(probe) || this.pendingSecond.has(probe));
      this.opts.bus.emit('event', { t: written, probe, kind: 'snapshot', data: { reason, file: path.relative(this.opts.dir, file), tookMs: written - now, ...cost(), ...returnedData(returned) } });
      return file;
    } catch (err) {
      const returned = await this.returnMemory(host, false);
      this.opts.bus.emit('event', { t: Date.now(), probe, kind: 'snapshot-failed', data: { reason, error: (err as Error).message, ...cost(), ...returnedData(returned) } });
      this.log(probe, `heap snapshot failed: ${(err as Error).message}`);
      return undefined;
    }
  }

  /**
   * What taking the snapshot left allocated, handed back before its cost is measured: what the
   * probe's runtime keeps for the next snapshot (a worker's heap profiler state: for a 65 MB heap
   * ~96 MB allocated, ~33 MB resident; kept only when a second snapshot will be compared with
   * this one), the chunks that passed
   * through this thread (~65 MB of ArrayBuffers for a 40 MB worker heap, until a major GC), then
   * the allocator's free pages (return-memory.ts). Measured, a 65 MB worker heap: +500 MB of RSS
   * left after one snapshot, +865 MB after two without this; -40 MB with it (the snapshot's own
   * collections compact the worker), +33 MB while a first waits for its second.
   */
  private async returnMemory(host: SnapshotHost, keepForDiff: boolean): Promise<Returned & { released?: boolean }> {
    const released = keepForDiff ? undefined : await host.releaseSnapshot(RELEASE_TIMEOUT_MS).catch(() => false);
    memoryReducingGc()();
    return { ...returnFreeMemory(), released };
  }

  /** What a first snapshot kept for a diff that will not come. */
  private async release(probe: string): Promise<void> {
    const host = this.opts.hosts().find((h) => h.name === probe);
    if (host?.alive) await this.returnMemory(host, false);
  }

  private log(probe: string, msg: string): void {
    this.opts.bus.emit('log', { t: Date.now(), probe, level: 'warn', msg });
  }
}

function returnedData(r: (Returned & { released?: boolean }) | undefined): Record<string, unknown> {
  if (!r) return {};
  return { ...(r.released === undefined ? {} : { runtimeReleased: r.released }), ...(r.trimmed ? { allocatorTrimMs: Math.round(r.tookMs) } : { allocatorTrim: r.why }) };
}

export interface DiffResult {
  rows: GrowthRow[];
  culprits: Culprit[];
  culpritError?: string;
}

/** The diff of two snapshots, computed in a child process (diff-worker.ts says why). */
export function diffInWorker(before: string, after: string): Promise<DiffResult> {
  return new Promise((resolve, reject) => {
    // execArgv: none of this process's flags (an --inspect port, a heap limit) belong to the child.
    const child = fork(moduleFile('./diff-worker.ts', import.meta.url), [before, after], { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    let result: DiffResult | undefined;
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.once('message', (message) => (result = message as DiffResult));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (result) resolve(result);
      else reject(new Error(`snapshot diff process exited with ${signal ?? code}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' ')}` : ''}`));
    });
  });
}
