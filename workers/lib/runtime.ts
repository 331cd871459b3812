// The thin adapter every probe worker runs inside: counters, events and logs go out over the
// task's MessagePort; the post-GC heap floor is measured here, in the worker's own isolate,
// because only the isolate that collects knows what survived its collections.
import v8 from 'node:v8';
import { startFloorCollections, type FloorCollector } from './floor-gc.ts';
import { releaseSnapshotState } from './release-snapshot.ts';
import { clearLongTimer, setLongInterval, type LongTimer } from '../../src/shared/timers.ts';
import { DEFAULT_GC_FLOOR_BUDGET, type Level, type ProbeResult, type ProbeTask, type SupervisorMessage, type WorkerMessage } from '../../src/bus/protocol.ts';
import { ProbeOutput } from './probe-output.ts';

/**
 * What a probe sees of exsoak (the public SDK, `exsoak/probe`: docs/probe-sdk.md). The built-in
 * probes get nothing more than this.
 */
export interface ProbeContext<Options = Record<string, unknown>> {
  /** The probe's name in the scenario. */
  readonly probe: string;
  readonly kind: string;
  /** The probe's `options:` block (validated by its kind; a module probe gets it as written). */
  readonly options: Options;
  /** Where to connect: the simulator's URLs on target sim, the venue's live ones on target live. */
  readonly endpoints: Readonly<Record<string, string>>;
  readonly target: 'sim' | 'live';
  /** The scenario's seed, for probes that randomise. */
  readonly seed: number;
  /** How often counters and gauges are reported; flushing hot-path tallies faster keeps them fresh. */
  readonly reportIntervalMs: number;
  /** Aborted when the supervisor asks the probe to stop. */
  readonly signal: AbortSignal;
  /** Resolves with the stop reason on a graceful stop. */
  readonly stopped: Promise<string>;
  /** Adds to a counter (cumulative; declare it in the scenario to use it in thresholds). */
  count(name: string, by?: number): void;
  /** Sets a gauge to its current value. */
  gauge(name: string, value: number): void;
  /**
   * Records an event in events.ndjson (disconnect, error, …). A kind the supervisor uses itself
   * (crash, exit, snapshot-*, leak, breach, fatal…) is kept as `probe:<kind>`; limits: docs/probe-sdk.md.
   */
  event(kind: string, data?: Record<string, unknown>): void;
  log(level: Level, msg: string, data?: Record<string, unknown>): void;
  /** The probe is in a state it cannot leave (ERROR_LOCK…): fails it and stops the run unless `failOnFatal: false`. */
  fatal(reason: string, data?: Record<string, unknown>): void;
  /** A counter's total so far. */
  counter(name: string): number;
}

export type ProbeMain<Options = Record<string, unknown>> = (ctx: ProbeContext<Options>) => Promise<void> | void;

/** Samples the heap right after each collection and keeps only the lowest per report. */
class GcFloor {
  private profiler = new v8.GCProfiler();

  constructor() {
    this.profiler.start();
  }

  take(): { floor: number; major: boolean; collections: number } | undefined {
    const data = this.profiler.stop();
    this.profiler = new v8.GCProfiler();
    this.profiler.start();
    let floor = Infinity;
    let major = false;
    const stats = data?.statistics ?? [];
    for (const gc of stats) {
      const used = retainedBytes(gc.afterGC);
      const isMajor = gc.gcType === 'MarkSweepCompact';
      // A full collection's figure is the true floor: a scavenge leaves old-space garbage in.
      if (isMajor && !major) {
        major = true;
        floor = used;
      } else if (isMajor === major && used < floor) {
        floor = used;
      }
    }
    return stats.length > 0 ? { floor, major, collections: stats.length } : undefined;
  }

  stop(): void {
    this.profiler.stop();
  }
}

/**
 * V8's compiled code, bytecode and their metadata live in the code and trusted spaces: they grow
 * for many minutes while functions that run only every few seconds tier up (measured on the
 * Bitunix executor: `(code)` was 3/4 of its early "growth"), and they are V8's, not what the
 * program retains. The floor is the rest of the heap.
 */
const COMPILED_SPACES = new Set(['code_space', 'code_large_object_space', 'trusted_space', 'trusted_large_object_space']);

export function retainedBytes(after: { heapStatistics: { usedHeapSize: number }; heapSpaceStatistics?: { spaceName: string; spaceUsedSize: number }[] }): number {
  let compiled = 0;
  for (const space of after.heapSpaceStatistics ?? []) if (COMPILED_SPACES.has(space.spaceName)) compiled += space.spaceUsedSize;
  return after.heapStatistics.usedHeapSize - compiled;
}

const CHUNK_BYTES = 1024;

/** `--inject-leak`: retains heap at a steady rate so the detector can be calibrated on a real probe. */
export class LeakInjector {
  private readonly retained: number[][] = [];
  retainedBytes = 0;
  private owed = 0;
  private readonly bytesPerSec: number;

  constructor(bytesPerSec: number) {
    this.bytesPerSec = bytesPerSec;
  }

  start(tickMs = 100): NodeJS.Timeout {
    let last = Date.now();
    return setInterval(() => {
      const now = Date.now();
      this.tick(now - last);
      last = now;
    }, tickMs);
  }

  tick(elapsedMs: number): void {
    this.owed += (this.bytesPerSec * elapsedMs) / 1000;
    // Packed small-integer arrays cost 8 bytes per element on V8's 64-bit heap and live on the
    // JS heap (a Buffer would be off-heap "external" memory and blame the wrong series).
    // Retained in 1 KiB chunks: many small objects, like a real leak, each of a known size.
    const chunks = Math.floor(this.owed / CHUNK_BYTES);
    this.owed -= chunks * CHUNK_BYTES;
    for (let i = 0; i < chunks; i++) this.retained.push(new Array<number>(CHUNK_BYTES / 8).fill(i));
    this.retainedBytes += chunks * CHUNK_BYTES;
  }
}

export async function runProbe<Options = Record<string, unknown>>(task: ProbeTask, main: ProbeMain<Options>): Promise<ProbeResult> {
  const { port } = task;
  // Every fetch() adds a PerformanceResourceTiming to the isolate's global buffer until it holds
  // 250 (~150 KB; the Bitunix executor fills it over ~20 minutes): a slow ramp of the heap floor
  // that the leak detector reads as growth, for timings no probe reads (each keeps its own).
  performance.setResourceTimingBufferSize(0);
  const controller = new AbortController();
  let stopReason = 'completed';
  let resolveStopped!: (reason: string) => void;
  const stopped = new Promise<string>((resolve) => (resolveStopped = resolve));

  const post = (message: WorkerMessage) => port.postMessage(message);
  const output = new ProbeOutput(post, task.names);

  port.on('message', (message: SupervisorMessage) => {
    if (message.type === 'release-snapshot') void releaseSnapshotState().then(() => post({ type: 'snapshot-released', t: Date.now() }));
    else if (message.type === 'stop' && !controller.signal.aborted) {
      stopReason = message.reason;
      controller.abort(message.reason);
      resolveStopped(message.reason);
    }
  });

  const gcFloor = new GcFloor();
  const leak = task.injectLeakBytesPerSec > 0 ? new LeakInjector(task.injectLeakBytesPerSec) : undefined;

  const report = (withFloor = true) => {
    const t = Date.now();
    post(output.report(t));
    const floor = gcFloor.take();
    if (floor && withFloor) post({ type: 'gc', t, ...floor });
  };

  const timers: (NodeJS.Timeout | LongTimer)[] = [setLongInterval(() => report(), task.reportIntervalMs)];
  const floors: FloorCollector | undefined = task.gcFloorIntervalMs > 0 ? startFloorCollections(task.gcFloorIntervalMs, task.gcFloorBudget === undefined ? DEFAULT_GC_FLOOR_BUDGET : task.gcFloorBudget, { timeScale: task.timeScale, onFirstWait: (msg, data) => output.log('info', msg, data) }) : undefined;
  if (leak) timers.push(leak.start());

  const ctx: ProbeContext<Options> = {
    probe: task.probe,
    kind: task.kind,
    options: task.options as Options,
    endpoints: task.endpoints ?? {},
    target: task.target,
    seed: task.seed,
    reportIntervalMs: task.reportIntervalMs,
    signal: controller.signal,
    stopped,
    count: (name, by = 1) => output.count(name, by),
    gauge: (name, value) => output.gauge(name, value),
    event: (kind, data) => output.event(kind, data),
    log: (level, msg, data) => output.log(level, msg, data),
    fatal: (reason, data) => output.fatal(reason, data),
    counter: (name) => output.counter(name),
  };

  post({ type: 'ready', t: Date.now() });
  try {
    await main(ctx);
  } finally {
    for (const timer of timers) 'cleared' in timer ? clearLongTimer(timer) : clearInterval(timer);
    floors?.stop();
    // Final counters only: a floor measured after the probe has torn itself down would look
    // like the leak going away.
    report(false);
    gcFloor.stop();
  }
  post({ type: 'done', t: Date.now(), reason: stopReason });
  port.close();
  return { reason: stopReason, counters: output.totals() };
}
