// The Host of `kind: process` with `command:`: a program in any language, started in its own
// process group, measured from outside. Its output goes to bounded log files; its NDJSON events
// and its own Prometheus counters come onto the bus like a worker's; a language runtime
// (runtimes/) reads its heap where exsoak knows the language.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { EvidenceSupport } from '../../bus/host.ts';
import { clearLongTimer, longDelay } from '../../shared/timers.ts';
import { checkProcessProbe } from '../../probes/process-spec.ts';
import { BoundedLog, lineSplitter } from './bounded-log.ts';
import { buildChildEnv } from './child-env.ts';
import { ProcessGroup } from './process-group.ts';
import { ProcessHostBase, type ProcessHostOptions } from './process-base.ts';
import { Readiness } from './readiness.ts';
import { runtimeFor } from './runtimes/index.ts';
import type { LanguageRuntime, RuntimeHeap } from './runtimes/runtime.ts';

/** Lines of stderr kept for the verdict of a crashed probe. */
const STDERR_TAIL = 50;
/** After the child exits, how long its pipes may stay open (a grandchild holding them). */
const PIPE_DRAIN_MS = 500;
/** How long the runtime may take to connect when there is no `ready:` timeout to go by. */
const RUNTIME_CONNECT_MS = 30_000;

export class SpawnedProcessHost extends ProcessHostBase {
  /** The command's executable, resolved when the host is made. */
  readonly executable: string;
  private readonly cwd: string;
  private readonly runtime: LanguageRuntime;
  private child?: ChildProcess;
  private group?: ProcessGroup;
  private exited?: Promise<void>;
  private logs: BoundedLog[] = [];
  private readonly stderrTail: string[] = [];
  private readonly readiness?: Readiness;
  /** Set when the host itself ends the child (readiness timeout): the exit is then that crash. */
  private crashReason?: string;
  private startedAt = 0;

  /** Throws an error naming the command when its program cannot be found (before anything starts). */
  constructor(opts: ProcessHostOptions) {
    super(opts);
    const checked = checkProcessProbe(opts.spec, opts.baseDir)!;
    this.executable = checked.executable;
    this.cwd = checked.cwd;
    this.runtime = runtimeFor(opts.spec, {
      probe: opts.name,
      log: (level, msg) => this.log(level, msg),
      alive: () => this.alive,
      gcFloorIntervalMs: opts.gcFloorIntervalMs ?? 10_000,
      event: (kind, data) => this.emit(kind, data),
    });
    if (opts.spec.ready) this.readiness = new Readiness(opts.spec.ready, opts.spec.metrics?.url);
  }

  /** Starts the program and resolves once it is ready, has failed, or was stopped. Never rejects. */
  async start(): Promise<void> {
    this.status = 'starting';
    this.lastHeard = Date.now();
    this.startedAt = Date.now();
    this.spawnChild();
    if (this.status !== 'starting') return;
    await this.awaitReady();
  }

  private spawnChild(): void {
    const argv = this.spec.command!;
    const launch = this.runtime.prepare({ program: argv[0]!, executable: this.executable, args: argv.slice(1), env: buildChildEnv(this.spec, this.opts.simulatorEndpoints) });
    const stdout = new BoundedLog(path.join(this.opts.resultsDir, `${this.name}.stdout.log`), this.spec.logLimit);
    const stderr = new BoundedLog(path.join(this.opts.resultsDir, `${this.name}.stderr.log`), this.spec.logLimit);
    this.logs = [stdout, stderr];
    let child: ChildProcess;
    try {
      child = spawn(launch.executable, launch.args, { cwd: this.cwd, env: launch.env, argv0: argv[0], detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
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
    const group = new ProcessGroup(child.pid, this.opts.stopGraceMs ?? 10_000);
    this.group = group;
    this.emit('start', { kind: this.kind, pid: child.pid, command: argv });
    child.stdout!.on('data', (chunk: Buffer) => stdout.write(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.write(chunk));
    child.stdout!.on('data', lineSplitter((line) => this.onLine('stdout', line)));
    child.stderr!.on('data', lineSplitter((line) => this.onLine('stderr', line)));
    const closed = once(child, 'close').catch(() => {});
    this.exited = once(child, 'exit').then(async ([code, signal]) => {
      group.leaderGone();
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
    }
    this.runtime.onLine(stream, line);
    this.readiness?.onLine(line);
    if (stream === 'stdout' && this.spec.events === 'stdout-ndjson' && line.startsWith('{')) this.metrics.eventLine(this.input, line);
  }

  private async awaitReady(): Promise<void> {
    const readiness = this.readiness;
    const connected = this.runtime.connect(this.pid!, readiness?.timeoutMs ?? RUNTIME_CONNECT_MS);
    if (!readiness) {
      this.status = 'running';
      await connected;
      return;
    }
    const outcome = await readiness.wait(this.exited!, () => this.scrape(), () => this.alive);
    await connected;
    if (outcome === 'ready' && this.status === 'starting') {
      this.status = 'running';
      this.log('info', 'ready');
    } else if (outcome === 'timeout' && this.status === 'starting') {
      const message = `not ready within ${readiness.timeoutMs} ms (waited for ${readiness.awaited})`;
      this.error = { message, code: 'ETIMEDOUT' };
      this.crashReason = message;
      await this.terminate(2_000);
    }
  }

  protected readHeap(timeoutMs: number): Promise<RuntimeHeap | undefined> {
    return this.runtime.readHeap(timeoutMs);
  }

  protected onReadGone(): void {
    // The child's exit event reports it.
  }

  async evidence(): Promise<EvidenceSupport> {
    if (!this.alive) return { supported: false, why: 'the probe is not running' };
    return this.runtime.evidence();
  }

  /** The runtime writes the snapshot into `scratchFile` (0600); the caller scrubs and keeps a copy. */
  async snapshot(scratchFile: string): Promise<NodeJS.ReadableStream> {
    await this.runtime.snapshot(scratchFile);
    return createReadStream(scratchFile);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.runtime.close();
    void Promise.all(this.logs.map((log) => log.close()));
    this.exit = { code, signal, stderrTail: [...this.stderrTail] };
    const wasStopping = this.status === 'stopping' && this.crashReason === undefined;
    // A soak probe runs for the whole run: ending early, even with 0, is a failure unless the
    // scenario says the program is meant to finish.
    if (wasStopping || (code === 0 && this.crashReason === undefined && this.spec.expectExit)) {
      this.status = 'stopped';
      this.emit('exit', { code, signal, counters: this.counters, ...(wasStopping ? {} : { reason: 'exited on its own' }) });
      return;
    }
    const early = code === 0 ? `exited with code 0 ${this.ranFor()}, before the run ended (expectExit: true if it is meant to finish)` : `exited with code ${code}`;
    const message = this.crashReason ?? (signal ? `killed by ${signal}` : early);
    this.fail({ message, code: signal ?? `EXIT_${code}` }, code, signal, this.stderrTail);
  }

  /** "after 2.1 s" since start. */
  private ranFor(): string {
    return `after ${((Date.now() - this.startedAt) / 1000).toFixed(1)} s`;
  }

  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves once the leader exited. */
  private async terminate(graceMs: number): Promise<void> {
    const child = this.child;
    const group = this.group;
    if (!child?.pid || !this.exited || !group) return;
    this.runtime.close();
    if (child.exitCode === null && child.signalCode === null) group.signal('SIGTERM');
    const grace = longDelay(graceMs, 'timeout' as const);
    const outcome = await Promise.race([this.exited.then(() => 'exited' as const), grace.promise]);
    clearLongTimer(grace.timer);
    if (outcome === 'timeout') {
      this.log('warn', `did not stop within ${graceMs} ms of SIGTERM; sending SIGKILL to its process group`);
      group.signal('SIGKILL');
      await this.exited;
    }
    // Descendants that outlived the leader went with it (ProcessGroup.leaderGone).
  }

  /** Stops the probe: SIGTERM to its process group, SIGKILL after `graceMs`. Never throws. */
  async stop(reason: string, graceMs: number): Promise<void> {
    this.reportUnscraped();
    if (this.status === 'starting' && this.readiness && reason === 'completed') {
      // The run ended before the probe was ready (its timeout is longer than the run): it was never soaked.
      this.crashReason = `never became ready: the run ended ${this.ranFor()} into its ${this.readiness.timeoutMs} ms wait for ${this.readiness.awaited}`;
      this.error = { message: this.crashReason, code: 'ENOTREADY' };
    }
    if (this.alive) {
      this.status = 'stopping';
      this.log('info', `stopping: ${reason}`);
      await this.terminate(graceMs);
    }
    this.runtime.close();
    await this.exited;
    await Promise.all(this.logs.map((log) => log.close()));
  }
}
