// The Host of a worker-thread probe: one probe in its own piscina pool (one thread). Starts the
// task with a MessagePort, relays what the worker reports onto the bus, reads its isolate from
// outside (so a wedged worker is still seen to be wedged) and stops it gracefully before it
// stops it hard.
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { BOOT_FILE, strippedGraph } from '../stripped-workers.ts';
import type { Bus } from '../../bus/bus.ts';
import type { EvidenceSupport, Host, HostStatus, InProcessReading } from '../../bus/host.ts';
import { clearLongTimer, longDelay } from '../../shared/timers.ts';
import { requireProbeKind } from '../../probes/index.ts';
import type { ProbeResult, ProbeTask, SupervisorMessage, WorkerMessage } from '../../bus/protocol.ts';
import { WorkerSampler } from '../../sampling/worker.ts';
import { ProbeInput } from '../probe-input.ts';

/** Longest wait, once a probe's task has returned, for its last messages (normally at once). */
const DRAIN_MS = 2_000;

export interface WorkerHostOptions {
  name: string;
  kind: string;
  /** The worker file (default: the kind's descriptor's runner). */
  workerFile?: string;
  task: Omit<ProbeTask, 'port' | 'probe' | 'kind'>;
  resourceLimits: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number; stackSizeMb?: number };
  /** The worker's process.env (undefined: a copy of the supervisor's); src/probes/probe-env.ts. */
  env?: NodeJS.ProcessEnv;
  bus: Bus;
}

export class WorkerHost implements Host {
  readonly name: string;
  readonly kind: string;
  private readonly bus: Bus;
  status: HostStatus = 'pending';
  /** Why it crashed (the error message), if it did. */
  error: { message: string; code?: string } | undefined;
  counters: Record<string, number> = {};
  /** When the worker last said anything: its runtime reports every interval, so silence means a blocked loop. */
  lastHeard = 0;
  gauges: Record<string, number> = {};
  /** Resolves the wait for the probe's `done` message. */
  private onDone?: () => void;
  /** The `release-snapshot` requests waiting for their answer (snapshots of one probe can overlap). */
  private readonly releaseWaiters = new Set<() => void>();
  /** Post-GC floor reported since the sampler last took it. */
  private pendingFloor?: { floor: number; major: boolean };
  private pool?: Piscina<ProbeTask, ProbeResult>;
  private port?: MessagePort;
  private done?: Promise<void>;
  private readonly opts: WorkerHostOptions;
  /** Everything the probe sends passes through it (#26: a probe is untrusted input). */
  private readonly input: ProbeInput;
  /** Set when the probe outlived the stop grace period and had its thread terminated. */
  private graceExceededMs?: number;
  /** The worker thread, while the probe runs: it is read from outside. */
  worker?: Worker;
  /** Reads `worker` (ELU and CPU are deltas since its previous call, so one per thread). */
  private sampler?: WorkerSampler;
  /** Ends start()'s wait: the probe said ready, its task ended, or it is being stopped. */
  private started?: () => void;

  constructor(opts: WorkerHostOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.kind = opts.kind;
    this.bus = opts.bus;
    this.input = new ProbeInput({ probe: opts.name, bus: opts.bus, declared: opts.task.names });
  }

  /**
   * The heap size at which this worker dies, when the scenario limits it. V8's own
   * heap_size_limit counts the young generation's reserve too and reads far higher than the
   * point where a worker with `maxOldGenerationSizeMb` runs out.
   */
  get heapLimitBytes(): number | undefined {
    const mb = this.opts.resourceLimits.maxOldGenerationSizeMb;
    return mb === undefined ? undefined : mb * 1024 * 1024;
  }

  get alive(): boolean {
    return this.status === 'starting' || this.status === 'running' || this.status === 'stopping';
  }

  private takeFloor(): { floor: number; major: boolean } | undefined {
    const floor = this.pendingFloor;
    this.pendingFloor = undefined;
    return floor;
  }

  /** Resolves once the worker says ready, its task ends, or it is stopped (the thread is there at once). */
  start(): Promise<void> {
    const { bus, name } = this;
    const started = new Promise<void>((resolve) => (this.started = resolve));
    this.status = 'starting';
    this.lastHeard = Date.now();
    const file = this.opts.workerFile ?? workerFileOf(this.kind);
    const boot = file.endsWith('.ts') ? strippedGraph(file) : undefined;
    this.pool = new Piscina<ProbeTask, ProbeResult>({
      filename: boot ? BOOT_FILE : file,
      ...(boot ? { workerData: { exsoakBoot: boot } } : {}),
      name: 'default',
      minThreads: 1,
      maxThreads: 1,
      concurrentTasksPerWorker: 1,
      // A probe task runs for the whole soak: with atomics the worker would sleep between
      // tasks in Atomics.wait and its event loop (sockets, timers) would never turn.
      atomics: 'disabled',
      idleTimeout: Number.POSITIVE_INFINITY,
      resourceLimits: this.opts.resourceLimits,
      env: this.opts.env,
    });
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    // `done` is the last message a probe posts. Its other messages come on this port and its result
    // on piscina's: the result can arrive first, and closing this port then would drop the final
    // events (a bitunix probe's last CANCELLING → STOPPED went missing that way).
    const drained = new Promise<void>((resolve) => (this.onDone = resolve));
    port1.on('message', (message: WorkerMessage) => this.onMessage(message));
    const task: ProbeTask = { ...this.opts.task, probe: name, kind: this.kind, port: port2 };
    bus.emit('event', { t: Date.now(), probe: name, kind: 'start', data: { kind: this.kind } });
    this.done = this.pool.run(task, { transferList: [port2] }).then(
      async (result) => {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS)))]);
        clearTimeout(timer);
        this.status = 'stopped';
        // The final counters: the last sample was taken before the stop, these after it.
        bus.emit('event', { t: Date.now(), probe: name, kind: 'exit', data: { reason: result.reason, counters: result.counters } });
      },
      (err: NodeJS.ErrnoException) => {
        // Only a probe that was not being stopped on purpose has crashed.
        if (this.status === 'stopped') return;
        const aborted = this.status === 'stopping' && err?.message?.includes('Terminating worker thread');
        if (aborted && this.graceExceededMs !== undefined) {
          // A probe that never settles after `stopped` holds something it cannot close: a failure.
          this.status = 'crashed';
          this.error = { message: `did not settle within stopGrace (${this.graceExceededMs} ms) after it was asked to stop; its thread was terminated` };
          bus.emit('event', { t: Date.now(), probe: name, kind: 'crash', data: { error: this.error.message, code: 'ERR_STOP_GRACE' } });
          return;
        }
        this.status = aborted ? 'stopped' : 'crashed';
        this.error = { message: err?.message ?? String(err), code: err?.code };
        bus.emit('event', {
          t: Date.now(),
          probe: name,
          kind: aborted ? 'exit' : 'crash',
          data: aborted ? { reason: 'terminated after the stop grace period' } : { error: this.error.message, code: err?.code, ...(typeof err?.stack === 'string' ? { stack: err.stack } : {}) },
        });
      },
    ).finally(() => {
      this.worker = undefined;
      port1.close();
      this.started?.();
    });
    this.worker = this.pool.threads[0];
    return started;
  }

  /** The isolate's heap (from outside, bounded by `timeoutMs`), ELU, thread CPU and the reported floor. */
  async read(timeoutMs: number): Promise<InProcessReading | undefined> {
    const worker = this.worker;
    if (!worker || !this.alive) return undefined;
    if (this.sampler?.worker !== worker) this.sampler = new WorkerSampler(worker);
    const sampler = this.sampler;
    const [heap, threadCpu] = await Promise.all([sampler.heap(timeoutMs), sampler.threadCpu()]);
    const floor = this.takeFloor();
    return {
      where: 'in-process',
      answered: heap !== undefined,
      heapUsed: heap?.heapUsed ?? null,
      heapTotal: heap?.heapTotal ?? null,
      external: heap?.external ?? null,
      heapLimit: heap?.heapLimit ?? null,
      detachedContexts: heap?.detachedContexts ?? null,
      heapFloor: floor?.floor ?? null,
      heapFloorMajor: floor?.major ?? false,
      elu: sampler.elu(),
      threadCpu,
    };
  }

  async evidence(): Promise<EvidenceSupport> {
    const worker = this.worker;
    if (!worker) return { supported: false, why: 'the probe is not running' };
    const heap = await worker.getHeapStatistics().catch(() => undefined);
    return { supported: true, heapBytes: heap?.used_heap_size ?? 0 };
  }

  /** V8 streams the isolate's snapshot as it serialises it: nothing is spilled to `scratchFile`. */
  async snapshot(_scratchFile: string): Promise<NodeJS.ReadableStream> {
    if (!this.worker) throw new Error(`probe ${this.name}: the worker is not running`);
    return this.worker.getHeapSnapshot();
  }

  async releaseSnapshot(timeoutMs: number): Promise<boolean> {
    if (!this.port || !this.alive) return false;
    let waiter!: () => void;
    const answered = new Promise<boolean>((resolve) => this.releaseWaiters.add((waiter = () => resolve(true))));
    const message: SupervisorMessage = { type: 'release-snapshot' };
    try {
      this.port.postMessage(message);
    } catch {
      this.releaseWaiters.delete(waiter);
      return false;
    }
    // A probe whose thread is busy answers late or never, one that ends meanwhile never: the
    // snapshot is written either way.
    const wait = longDelay(timeoutMs, false);
    const released = await Promise.race([answered, wait.promise, (this.done ?? Promise.resolve()).then(() => false)]);
    clearLongTimer(wait.timer);
    this.releaseWaiters.delete(waiter);
    return released;
  }

  private onMessage(message: WorkerMessage): void {
    const { bus, name } = this;
    this.lastHeard = Date.now();
    switch (message.type) {
      case 'ready':
        if (this.status === 'starting') this.status = 'running';
        this.worker ??= this.pool?.threads[0];
        this.started?.();
        break;
      case 'counters':
        ({ counters: this.counters, gauges: this.gauges } = this.input.metrics(message.counters, message.gauges, message.input));
        break;
      case 'gc': {
        const pending = this.pendingFloor;
        // Keep the best floor until the sampler takes it: a full GC beats any scavenge.
        if (!pending || (message.major && !pending.major) || (message.major === pending.major && message.floor < pending.floor)) {
          this.pendingFloor = { floor: message.floor, major: message.major };
        }
        break;
      }
      case 'event':
        this.input.event(message.kind, message.data, message.t);
        break;
      case 'log':
        this.input.log(message.level, message.msg, message.data, message.t);
        break;
      case 'fatal':
        this.input.fatal(message.reason, message.data, message.t);
        break;
      case 'done':
        this.onDone?.();
        break;
      case 'snapshot-released':
        for (const waiter of this.releaseWaiters) waiter();
        this.releaseWaiters.clear();
        break;
    }
  }

  /** Asks the probe to stop; after `graceMs` terminates its thread. Never throws. */
  async stop(reason: string, graceMs: number): Promise<void> {
    this.started?.();
    if (!this.pool) return;
    if (this.alive) {
      this.status = 'stopping';
      const message: SupervisorMessage = { type: 'stop', reason };
      try {
        this.port?.postMessage(message);
      } catch {
        // the port is already closed: the worker is gone
      }
      const grace = longDelay(graceMs, 'timeout' as const);
      const outcome = await Promise.race([this.done, grace.promise]);
      clearLongTimer(grace.timer);
      if (outcome === 'timeout') {
        this.graceExceededMs = graceMs;
        this.bus.emit('log', { t: Date.now(), probe: this.name, level: 'warn', msg: `did not stop within ${graceMs} ms; terminating its thread` });
      }
    }
    await this.pool.destroy();
    await this.done;
    this.pool = undefined;
  }

}

/** The worker file of a kind that runs in a worker thread. */
function workerFileOf(kind: string): string {
  const runner = requireProbeKind(kind).runner;
  if (runner.type !== 'worker') throw new Error(`probe kind "${kind}" does not run in a worker thread`);
  return runner.file;
}
