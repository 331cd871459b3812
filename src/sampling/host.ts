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
  takeFloor(): { floor: number; major: boolean } | undefined;
}
