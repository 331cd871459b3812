// A synthetic Sample with plausible defaults, for tests that drive the bus without workers.
import type { Sample } from '../../src/bus/types.ts';

const MB = 1024 * 1024;

export function makeSample(probe: string, t: number, extra: Partial<Sample> = {}): Sample {
  return {
    t,
    probe,
    heapUsed: 20 * MB,
    heapTotal: 32 * MB,
    external: 1 * MB,
    heapLimit: 256 * MB,
    detachedContexts: 0,
    heapFloor: null,
    heapFloorMajor: false,
    rss: 150 * MB,
    cpu: 12.5,
    elu: 0.25,
    threadCpu: 7,
    counters: {},
    gauges: {},
    ...extra,
  };
}
