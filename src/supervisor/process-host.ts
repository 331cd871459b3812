// A `kind: process` probe: a program in any language, started in its own process group (or an
// existing process attached to by PID), measured from outside with the same public surface the
// supervisor and sampler use on a worker ProbeHost. Its output goes to bounded log files; its
// NDJSON events and its own Prometheus counters come onto the bus like a worker's.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { Bus } from '../bus/bus.ts';
import { clearLongTimer, longDelay } from '../shared/timers.ts';
import { checkProcessProbe, simulatorEnv, type ProcessProbeSpec } from '../probes/process-spec.ts';
import { InspectorClient, inspectorUrlFromLine } from '../sampling/inspector.ts';
import { processStartTime, sampleTree } from '../sampling/process-tree.ts';
import { PromScraper } from '../sampling/prom-scrape.ts';
import type { ProbeStatus } from './probe-host.ts';
import { guardGroup } from './orphan-guard.ts';
import { PythonRuntime } from './python-runtime.ts';
import type { OwnReading } from '../sampling/host.ts';
import type { DiffResult } from '../snapshot/taker.ts';

/** Lines of stderr kept for the verdict of a crashed probe. */
const STDERR_TAIL = 50;
/** A longer output line is cut: one runaway line must not grow the supervisor. */
const MAX_LINE = 64 * 1024;
/** How often an attached process is checked for existence between samples. */
const ATTACH_POLL_MS = 500;
/** After the child exits, how long its pipes may stay open (a grandchild holding them). */
const PIPE_DRAIN_MS = 500;

/** What one sample of a process probe reads (the sampler's own-process reading). */
export type ProcessReadingResult = OwnReading;

export interface ProcessExit {
  code: number | null;
  signal: string | null;
  stderrTail: string[];
}

export interface ProcessHostOptions {
  name: string;
  bus: Bus;
  spec: ProcessProbeSpec;
  /** The scenario file's folder: `cwd` is relative to it. */
  baseDir: string;
  /** Where `<name>.stdout.log` and `<name>.stderr.log` go. */
  resultsDir: string;
  /** The endpoints of the probe's simulator (binance: ws, rest; bitunix: rest, wsPublic, wsPrivate). */
  simulatorEndpoints?: Record<string, string>;
  /** Least time between two forced GCs in a `node: true` child (its heap floor). */
  gcFloorIntervalMs?: number;
  /** The scenario's stopGrace: also how long an orphaned program gets between SIGTERM and SIGKILL. */
  stopGraceMs?: number;
}

/** Process groups still running, killed if the supervisor exits without stopping them. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const group of liveGroups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** A log file that stops growing at `limit` bytes and says so. */
class BoundedLog {
  private readonly out: WriteStream;
  private written = 0;
  private full = false;
  private readonly limit: number;

  constructor(file: string, limit: number) {
    this.limit = limit;
    this.out = createWriteStream(file, { flags: 'a', mode: 0o600 });
    this.out.on('error', () => {
      // A full disk must not crash the supervisor over a child's log; the run's own writer reports it.
      this.full = true;
    });
  }

  write(chunk: Buffer): void {
    if (this.full) return;
    const room = this.limit - this.written;
    if (chunk.length <= room) {
      this.out.write(chunk);
      this.written += chunk.length;
      return;
    }
    if (room > 0) this.out.write(chunk.subarray(0, room));
    this.out.write(`\n[exsoak: output truncated at ${this.limit} bytes; the rest was discarded]\n`);
    this.written = this.limit;
    this.full = true;
  }

  async close(): Promise<void> {
    if (this.out.closed) return;
    this.out.end();
    await once(this.out, 'close').catch(() => {});
  }
}

/** Splits a byte stream into lines, each cut at MAX_LINE. */
function lineSplitter(onLine: (line: string) => void): (chunk: Buffer) => void {
  let rest = '';
  return (chunk) => {
    const text = rest + chunk.toString('utf8');
    const lines = text.split('\n');
    rest = lines.pop()!;
    if (rest.length > MAX_LINE) rest = rest.slice(0, MAX_LINE);
    for (const line of lines) onLine((line.endsWith('\r') ? line.slice(0, -1) : line).slice(0, MAX_LINE));
  };
}

export class ProcessHost {
  readonly name: string;
  readonly kind = 'process';
  status: ProbeStatus = 'pending';
  error?: { message: string; code?: string };
  counters: Record<string, number> = {};
  gauges: Record<string, number> = {};
  lastHeard = 0;
  pid?: number;
  exit?: ProcessExit;
  /** The command's executable, resolved when the host is made (undefined when attaching). */
  readonly executable?: string;
  private readonly cwd?: string;
  private readonly opts: ProcessHostOptions;
  private readonly spec: ProcessProbeSpec;
  private readonly bus: Bus;
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private logs: BoundedLog[] = [];
  private readonly stderrTail: string[] = [];
  private readonly scraper?: PromScraper;
  /** Counters and gauges from NDJSON events; the Prometheus endpoint's win on a shared name. */
  private eventCounters: Record<string, number> = {};
  private eventGauges: Record<string, number> = {};
  private promCounters: Record<string, number> = {};
  private promGauges: Record<string, number> = {};
  private inspector?: InspectorClient;
  /** `python: true`: the tracemalloc agent's side in the supervisor (python-runtime.ts). */
  private readonly python?: PythonRuntime;
  private inspectorUrl?: (url: string) => void;
  private lastFloorAt = 0;
  private readyWaiter?: { line?: string; resolve: () => void };
  private attachTimer?: NodeJS.Timeout;
  private attachStart?: number;

  /** Throws an error naming the command when its program cannot be found (before anything starts). */
  constructor(opts: ProcessHostOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.bus = opts.bus;
    this.spec = opts.spec;
    if (opts.spec.node) this.snapshot = (file) => this.heapSnapshot(file);
    if (opts.spec.python) {
      const python = (this.python = new PythonRuntime(opts.name, opts.bus));
      this.snapshot = (file) => python.snapshot(file);
      this.diffSnapshots = () => python.diff();
    }
    const checked = checkProcessProbe(opts.spec, opts.baseDir);
    this.executable = checked?.executable;
    this.cwd = checked?.cwd;
    if (opts.spec.metrics) {
      const { url, counters, gauges, timeout } = opts.spec.metrics;
      this.scraper = new PromScraper({ url, counters, gauges }, { timeoutMs: timeout });
    }
  }

  get alive(): boolean {
    return this.status === 'starting' || this.status === 'running' || this.status === 'stopping';
  }

  /** The heap limit of a worker probe; a process has none exsoak knows of. */
  get heapLimitBytes(): number | undefined {
    return undefined;
  }

  /** Starts (or attaches) and resolves once the probe is ready, has failed, or was stopped. Never rejects. */
  async start(): Promise<void> {
    this.status = 'starting';
    this.lastHeard = Date.now();
    if (this.spec.pid !== undefined) return this.attach(this.spec.pid);
    const pythonEnv = await this.python?.prepare({ ...process.env, ...this.spec.env });
    this.spawnChild(pythonEnv);
    if (this.status !== 'starting') return;
    await this.awaitReady();
  }

  private emit(kind: string, data?: Record<string, unknown>): void {
    this.bus.emit('event', { t: Date.now(), probe: this.name, kind, data });
  }

  private log(level: string, msg: string, data?: Record<string, unknown>): void {
    this.bus.emit('log', { t: Date.now(), probe: this.name, level, msg, data });
  }

  private attach(pid: number): void {
    this.attachStart = processStartTime(pid);
    if (this.attachStart === undefined) {
      this.fail({ message: `attached process ${pid} does not exist`, code: 'ESRCH' }, null, null);
      return;
    }
    this.pid = pid;
    this.status = 'running';
    this.emit('start', { kind: this.kind, pid, attached: true });
    // Only /proc is read: an attached process is never signalled, not even with signal 0.
    this.attachTimer = setInterval(() => {
      if (processStartTime(pid) !== this.attachStart) this.attachedGone();
    }, ATTACH_POLL_MS);
    this.attachTimer.unref();
  }

  private attachedGone(): void {
    clearInterval(this.attachTimer);
    if (!this.alive) return;
    this.fail({ message: `attached process ${this.pid} disappeared`, code: 'ESRCH' }, null, null);
  }

  private spawnChild(pythonEnv?: Record<string, string>): void {
    const spec = this.spec;
    const argv = spec.command!;
    const env: NodeJS.ProcessEnv = { ...process.env, ...simulatorEnv(spec.simulator, this.opts.simulatorEndpoints), ...spec.env, ...pythonEnv };
    let args = argv.slice(1);
    if (spec.node) {
      // Port 0: every child gets its own free port, announced on stderr. A wrapper (npm, a shell
      // script) gets it through NODE_OPTIONS so the real Node program is the one inspected.
      const flag = '--inspect=127.0.0.1:0';
      if (/^node(js)?(\d+)?(\.exe)?$/.test(path.basename(argv[0]!)) || this.executable === process.execPath) args = [flag, ...args];
      else env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} ${flag}`.trim();
    }
    const stdout = new BoundedLog(path.join(this.opts.resultsDir, `${this.name}.stdout.log`), spec.logLimit);
    const stderr = new BoundedLog(path.join(this.opts.resultsDir, `${this.name}.stderr.log`), spec.logLimit);
    this.logs = [stdout, stderr];
    let child: ChildProcess;
    try {
      child = spawn(this.executable!, args, { cwd: this.cwd, env, argv0: argv[0], detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      this.fail({ message: `command "${argv[0]}": ${(err as Error).message}`, code: (err as NodeJS.ErrnoException).code }, null, null);
      return;
    }
    this.child = child;
    const spawned = once(child, 'spawn').then(
      () => true,
      () => false,
    );
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) this.fail({ message: `command "${argv[0]}": ${err.message}`, code: err.code }, null, null);
    });
    if (child.pid === undefined) return;
    this.pid = child.pid;
    trackGroup(child.pid);
    const guard = guardGroup(child.pid, this.opts.stopGraceMs ?? 10_000);
    this.emit('start', { kind: this.kind, pid: child.pid, command: argv });
    child.stdout!.on('data', (chunk: Buffer) => stdout.write(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.write(chunk));
    child.stdout!.on('data', lineSplitter((line) => this.onLine('stdout', line)));
    child.stderr!.on('data', lineSplitter((line) => this.onLine('stderr', line)));
    const closed = once(child, 'close').catch(() => {});
    this.exited = once(child, 'exit').then(async ([code, signal]) => {
      liveGroups.delete(child.pid!);
      guard?.release();
      await spawned;
      // Give the pipes a moment so the stderr tail holds the last words.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, PIPE_DRAIN_MS)))]);
      clearTimeout(timer);
      this.onExit(code as number | null, signal as NodeJS.Signals | null);
    });
  }

  private onLine(stream: 'stdout' | 'stderr', line: string): void {
    this.lastHeard = Date.now();
    if (stream === 'stderr') {
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_TAIL) this.stderrTail.shift();
      if (this.spec.node) {
        const url = inspectorUrlFromLine(line);
        if (url) this.inspectorUrl?.(url);
        // Node keeps a process that wants to exit alive while a debugger is attached.
        if (line.includes('Waiting for the debugger to disconnect')) this.closeInspector();
      }
    }
    if (this.readyWaiter?.line !== undefined && line.includes(this.readyWaiter.line)) this.readyWaiter.resolve();
    if (stream === 'stdout' && this.spec.events === 'stdout-ndjson' && line.startsWith('{')) this.onEventLine(line);
  }

  /**
   * `{"event":"disconnect","scheduled":false,…}` becomes a probe event of that kind. A
   * `counters`/`gauges` object on a line sets those values; disconnects are also counted as
   * `drops.scheduled`/`drops.unscheduled`, and every event kind as `events.<kind>`.
   */
  private onEventLine(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return;
    const { event, t, counters, gauges, ...data } = parsed as Record<string, unknown>;
    for (const [target, source] of [
      [this.eventCounters, counters],
      [this.eventGauges, gauges],
    ] as const) {
      if (!source || typeof source !== 'object') continue;
      for (const [k, v] of Object.entries(source)) if (typeof v === 'number' && Number.isFinite(v)) target[k] = v;
    }
    if (typeof event === 'string' && event !== '' && event !== 'counters') {
      const bump = (name: string) => (this.eventCounters[name] = (this.eventCounters[name] ?? 0) + 1);
      bump(`events.${event}`);
      if (event === 'disconnect') bump(data.scheduled === true ? 'drops.scheduled' : 'drops.unscheduled');
      this.bus.emit('event', { t: typeof t === 'number' ? t : Date.now(), probe: this.name, kind: event, data });
    }
    this.mergeMetrics();
  }

  private mergeMetrics(): void {
    this.counters = { ...this.eventCounters, ...this.promCounters };
    this.gauges = { ...this.eventGauges, ...this.promGauges };
  }

  private async awaitReady(): Promise<void> {
    const ready = this.spec.ready;
    const inspectorReady = this.spec.node ? this.connectInspector(ready?.timeout ?? 30_000) : Promise.resolve();
    // The agent connects from its own thread: readiness does not wait for it.
    void this.python?.connect(ready?.timeout ?? 30_000, () => this.alive);
    if (!ready) {
      this.status = 'running';
      await inspectorReady;
      return;
    }
    const deadline = Date.now() + ready.timeout;
    let resolveReady!: () => void;
    const isReady = new Promise<void>((resolve) => (resolveReady = resolve));
    this.readyWaiter = { line: ready.line, resolve: resolveReady };
    let polling = true;
    if (ready.metrics) {
      void (async () => {
        while (polling && this.alive) {
          if (await this.scrape()) return resolveReady();
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })();
    }
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      isReady.then(() => 'ready' as const),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now())))),
      (this.exited ?? new Promise(() => {})).then(() => 'exited' as const),
    ]);
    clearTimeout(timer);
    polling = false;
    this.readyWaiter = undefined;
    await inspectorReady;
    if (outcome === 'ready' && this.status === 'starting') {
      this.status = 'running';
      this.log('info', 'ready');
    } else if (outcome === 'timeout' && this.status === 'starting') {
      const what = ready.metrics ? `a successful scrape of ${this.spec.metrics!.url}` : `a line containing "${ready.line}"`;
      const message = `not ready within ${ready.timeout} ms (waited for ${what})`;
      this.error = { message, code: 'ETIMEDOUT' };
      this.crashReason = message;
      await this.terminate(2_000);
    }
  }

  /** Set when the host itself ends the child (readiness timeout): the exit is then that crash. */
  private crashReason?: string;

  private connectInspector(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.inspectorUrl = undefined;
        this.log('warn', `the Node inspector did not announce itself within ${timeoutMs} ms; no heap figures for this probe`);
        resolve();
      }, timeoutMs);
      this.inspectorUrl = (url) => {
        this.inspectorUrl = undefined;
        clearTimeout(timer);
        InspectorClient.connect(url).then(
          async (client) => {
            if (!this.alive) return client.close();
            this.inspector = client;
            await client.send('HeapProfiler.enable').catch(() => {});
            resolve();
          },
          (err: Error) => {
            this.log('warn', `could not connect to the Node inspector: ${err.message}`);
            resolve();
          },
        );
      };
    });
  }

  private closeInspector(): void {
    this.inspector?.close();
    this.inspector = undefined;
  }

  private async scrape(): Promise<boolean> {
    if (!this.scraper) return false;
    try {
      const result = await this.scraper.scrape();
      this.promCounters = result.counters;
      this.promGauges = result.gauges;
      this.mergeMetrics();
      this.lastHeard = Date.now();
      if (result.resets.length > 0) this.log('info', `counter reset (client restarted?): ${result.resets.join(', ')}`);
      return true;
    } catch (err) {
      this.scrapeError = (err as Error).message;
      return false;
    }
  }

  /** The last scrape failure, for the progress line and logs. */
  scrapeError?: string;

  /**
   * One sample: RSS and CPU of the process (and its descendants with `tree`), its Prometheus
   * counters, and with `node: true` its V8 heap (a forced GC at most every gcFloorIntervalMs
   * gives the floor). Undefined when the process is gone. Each part is bounded by `timeoutMs`.
   */
  async read(timeoutMs: number): Promise<ProcessReadingResult | undefined> {
    const pid = this.pid;
    if (pid === undefined || !this.alive) return undefined;
    const within = <T>(p: Promise<T>, fallback: T): Promise<T> => {
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([p, new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), timeoutMs)))]).finally(() => clearTimeout(timer));
    };
    const [usage, heap] = await Promise.all([
      within(sampleTree(pid, this.spec.tree), undefined),
      within(this.readHeap(timeoutMs), undefined),
      this.scraper ? within(this.scrape(), false) : undefined,
    ]);
    if (!usage) {
      if (this.spec.pid !== undefined && processStartTime(pid) !== this.attachStart) this.attachedGone();
      return undefined;
    }
    this.lastHeard = Date.now();
    return {
      rss: usage.rss,
      cpu: usage.cpu,
      heapUsed: heap?.used ?? null,
      heapTotal: heap?.total ?? null,
      external: null,
      heapFloor: heap?.floor ?? null,
      heapFloorMajor: heap?.floor !== undefined,
    };
  }

  private async readHeap(timeoutMs: number): Promise<{ used: number; total: number; floor?: number } | undefined> {
    if (this.python) return this.python.read(timeoutMs, this.opts.gcFloorIntervalMs ?? 10_000);
    const inspector = this.inspector;
    if (!inspector?.open) return undefined;
    try {
      const interval = this.opts.gcFloorIntervalMs ?? 10_000;
      if (Date.now() - this.lastFloorAt >= interval) {
        this.lastFloorAt = Date.now();
        const floor = await inspector.heapFloor(timeoutMs);
        return { used: floor.used, total: floor.total, floor: floor.used };
      }
      return await inspector.heapUsage(timeoutMs);
    } catch {
      return undefined;
    }
  }

  /**
   * A heap snapshot, streamed through the inspector into `file` (0600): only a `node: true`
   * child has one, so the snapshot taker skips other process probes instead of failing on them.
   */
  readonly snapshot?: (file: string) => Promise<void>;
  /** A runtime that compares its own looks (Python's agent) gives the culprits itself. */
  readonly diffSnapshots?: () => Promise<DiffResult>;

  private async heapSnapshot(file: string): Promise<void> {
    if (!this.spec.node) throw new Error(`probe ${this.name}: heap snapshots need "node: true"`);
    if (!this.inspector?.open) throw new Error(`probe ${this.name}: the Node inspector is not connected`);
    // The snapshot taker announces it (with its cost and the scrubbed file's name), as for a worker.
    await this.inspector.takeHeapSnapshot(file);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.closeInspector();
    this.python?.close();
    void Promise.all(this.logs.map((log) => log.close()));
    this.exit = { code, signal, stderrTail: [...this.stderrTail] };
    const wasStopping = this.status === 'stopping' && this.crashReason === undefined;
    if (wasStopping || (code === 0 && this.crashReason === undefined)) {
      this.status = 'stopped';
      this.emit('exit', { code, signal, counters: this.counters, ...(wasStopping ? {} : { reason: 'exited on its own' }) });
      return;
    }
    const message = this.crashReason ?? (signal ? `killed by ${signal}` : `exited with code ${code}`);
    this.fail({ message, code: signal ?? `EXIT_${code}` }, code, signal);
  }

  private fail(error: { message: string; code?: string }, code: number | null, signal: string | null): void {
    this.python?.close();
    this.status = 'crashed';
    this.error = error;
    this.exit = { code, signal, stderrTail: [...this.stderrTail] };
    this.emit('crash', { error: error.message, code, signal, stderrTail: this.exit.stderrTail });
  }

  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves once the leader exited. */
  private async terminate(graceMs: number): Promise<void> {
    const child = this.child;
    if (!child?.pid || !this.exited) return;
    this.closeInspector();
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
        return true;
      } catch {
        return false; // the group is gone
      }
    };
    if (child.exitCode === null && child.signalCode === null) signalGroup('SIGTERM');
    const grace = longDelay(graceMs, 'timeout' as const);
    const outcome = await Promise.race([this.exited.then(() => 'exited' as const), grace.promise]);
    clearLongTimer(grace.timer);
    if (outcome === 'timeout') {
      this.log('warn', `did not stop within ${graceMs} ms of SIGTERM; sending SIGKILL to its process group`);
      signalGroup('SIGKILL');
      await this.exited;
    } else {
      // Descendants that outlived the leader still belong to the probe.
      signalGroup('SIGKILL');
    }
  }

  /** Stops the probe: SIGTERM to its process group, SIGKILL after `graceMs`. An attached process is only let go. Never throws. */
  async stop(reason: string, graceMs: number): Promise<void> {
    if (this.spec.pid !== undefined) {
      clearInterval(this.attachTimer);
      if (this.alive) {
        this.status = 'stopped';
        this.emit('exit', { reason, code: null, signal: null, counters: this.counters, attached: true });
      }
      return;
    }
    if (this.alive) {
      this.status = 'stopping';
      this.log('info', `stopping: ${reason}`);
      await this.terminate(graceMs);
    }
    await this.exited;
    await Promise.all(this.logs.map((log) => log.close()));
  }
}
