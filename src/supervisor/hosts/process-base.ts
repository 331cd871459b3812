// What the two process hosts (spawned, attached) share: status and crash reporting, counters
// from /metrics, and a reading of RSS/CPU of the process (and its descendants with `tree`)
// measured from outside.
import type { Bus } from '../../bus/bus.ts';
import type { EvidenceSupport, Host, HostStatus, OwnProcessReading } from '../../bus/host.ts';
import type { ProcessProbeSpec } from '../../probes/process-spec.ts';
import { sampleTree } from '../../sampling/process-tree.ts';
import type { RuntimeHeap } from './runtimes/runtime.ts';
import { ProbeMetrics, type ScrapeReporter } from './probe-metrics.ts';
import { ProbeInput } from '../probe-input.ts';

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
  /** Counter and gauge names the scenario declares: kept whatever the cap on names (#26.8). */
  declaredNames?: readonly string[];
}

export abstract class ProcessHostBase implements Host {
  readonly name: string;
  readonly kind = 'process';
  status: HostStatus = 'pending';
  error: { message: string; code?: string } | undefined;
  lastHeard = 0;
  pid?: number;
  exit?: ProcessExit;
  protected readonly opts: ProcessHostOptions;
  protected readonly spec: ProcessProbeSpec;
  protected readonly bus: Bus;
  protected readonly metrics: ProbeMetrics;
  /** Its NDJSON events and counters pass through it (#26: a probe is untrusted input). */
  protected readonly input: ProbeInput;

  constructor(opts: ProcessHostOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.bus = opts.bus;
    this.spec = opts.spec;
    this.metrics = new ProbeMetrics(opts.spec);
    this.input = new ProbeInput({ probe: opts.name, bus: opts.bus, eventsBytes: opts.spec.logLimit, declared: opts.declaredNames });
  }

  get counters(): Record<string, number> {
    return this.metrics.counters;
  }

  get gauges(): Record<string, number> {
    return this.metrics.gauges;
  }

  /** The last scrape failure, for the progress line and logs. */
  get scrapeError(): string | undefined {
    return this.metrics.scrapeError;
  }

  get alive(): boolean {
    return this.status === 'starting' || this.status === 'running' || this.status === 'stopping';
  }

  /** A process has no heap limit exsoak knows of. */
  get heapLimitBytes(): number | undefined {
    return undefined;
  }

  abstract start(): Promise<void>;
  abstract stop(reason: string, graceMs: number): Promise<void>;
  abstract evidence(): Promise<EvidenceSupport>;
  abstract snapshot(scratchFile: string): Promise<NodeJS.ReadableStream>;

  /** What a process's runtime keeps of a snapshot stays in that process, not this one. */
  async releaseSnapshot(): Promise<undefined> {
    return undefined;
  }
  /** The program's heap, when its runtime can be read. */
  protected abstract readHeap(timeoutMs: number): Promise<RuntimeHeap | undefined>;
  /** A reading found the process gone. */
  protected abstract onReadGone(pid: number): void;

  protected emit(kind: string, data?: Record<string, unknown>): void {
    this.bus.emit('event', { t: Date.now(), probe: this.name, kind, data });
  }

  protected log(level: string, msg: string, data?: Record<string, unknown>): void {
    this.bus.emit('log', { t: Date.now(), probe: this.name, level, msg, data });
  }

  protected fail(error: { message: string; code?: string }, code: number | null, signal: string | null, stderrTail: string[] = []): void {
    this.status = 'crashed';
    this.error = error;
    this.exit = { code, signal, stderrTail: [...stderrTail] };
    this.emit('crash', { error: error.message, code, signal, stderrTail: this.exit.stderrTail });
  }

  private readonly reporter: ScrapeReporter = {
    event: (kind, data) => this.emit(kind, data),
    log: (level, msg) => this.log(level, msg),
  };

  protected async scrape(): Promise<boolean> {
    const ok = await this.metrics.scrape(this.reporter);
    if (ok) this.lastHeard = Date.now();
    return ok;
  }

  /** At the stop: the counters no scrape ever found are said, so their thresholds cannot pass on 0. */
  protected reportUnscraped(): void {
    this.metrics.noteUnscraped(this.reporter, true);
  }

  /**
   * One sample: RSS and CPU of the process (and its descendants with `tree`), its Prometheus
   * counters, and the heap where its runtime can be read. Undefined when the process is gone.
   * Each part is bounded by `timeoutMs`.
   */
  async read(timeoutMs: number): Promise<OwnProcessReading | undefined> {
    const pid = this.pid;
    if (pid === undefined || !this.alive) return undefined;
    const within = <T>(p: Promise<T>, fallback: T): Promise<T> => {
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([p, new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), timeoutMs)))]).finally(() => clearTimeout(timer));
    };
    const [usage, heap] = await Promise.all([
      within(sampleTree(pid, this.spec.tree), undefined),
      within(this.readHeap(timeoutMs), undefined),
      this.metrics.scraped ? within(this.scrape(), false) : undefined,
    ]);
    if (!usage) {
      this.onReadGone(pid);
      return undefined;
    }
    this.lastHeard = Date.now();
    return {
      where: 'own-process',
      rss: usage.rss,
      cpu: usage.cpu,
      heapUsed: heap?.used ?? null,
      heapTotal: heap?.total ?? null,
      external: null,
      heapLimit: null,
      detachedContexts: null,
      heapFloor: heap?.floor ?? null,
      heapFloorMajor: heap?.floor !== undefined,
    };
  }
}
