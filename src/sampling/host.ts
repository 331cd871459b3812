// What the sampler needs of a running probe: the supervisor's hosts implement it, and the
// sampler knows nothing else about them (src/sampling does not import src/supervisor).
import type { Worker } from 'node:worker_threads';

export interface SampledHost {
  readonly name: string;
  readonly status: string;
  readonly alive: boolean;
  /** When the probe's runtime last reported (a silent runtime means a blocked event loop). */
  readonly lastHeard: number;
  readonly counters: Record<string, number>;
  readonly gauges: Record<string, number>;
  /** The worker thread of a worker probe, while it runs: heap and ELU are read from outside. */
  readonly worker?: Worker;
  /** The lowest post-GC heap reported since the last call, and whether a full GC produced it. */
  takeFloor?(): { floor: number; major: boolean } | undefined;
  /**
   * A probe that is a process of its own measures itself: its own RSS/CPU (and V8 heap when it
   * has one). Undefined when the process is gone. Each part is bounded by `timeoutMs`.
   */
  read?(timeoutMs: number): Promise<OwnReading | undefined>;
}

export interface OwnReading {
  rss: number;
  cpu: number;
  heapUsed: number | null;
  heapTotal: number | null;
  external: number | null;
  heapFloor: number | null;
  heapFloorMajor: boolean;
}
