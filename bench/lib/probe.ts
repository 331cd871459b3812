// A probe run the way the supervisor runs it (WorkerHost: one piscina thread, MessagePort reports),
// without a scenario file, for suites that need one probe kind under controlled conditions.
import { Bus } from '../../src/bus/bus.ts';
import { WorkerHost } from '../../src/supervisor/hosts/worker-host.ts';
import { requireProbeValidation } from '../../src/probes/validation/index.ts';
import { sleep } from './stats.ts';

export interface BenchProbeOptions {
  kind: string;
  name?: string;
  options?: Record<string, unknown>;
  endpoints?: Record<string, string>;
  bus?: Bus;
  reportIntervalMs?: number;
  /** 0 = no forced GC (the floor is only observed). */
  gcFloorIntervalMs?: number;
  /** The scenario's gcFloorBudget (undefined: its default; null: off). */
  gcFloorBudget?: number | null;
}

export function startProbe(o: BenchProbeOptions): WorkerHost {
  const host = new WorkerHost({
    name: o.name ?? o.kind,
    kind: o.kind,
    bus: o.bus ?? new Bus(),
    resourceLimits: {},
    task: {
      // The task carries parsed options, as the scenario loader hands them over.
      options: requireProbeValidation(o.kind).optionsSchema.parse(o.options ?? {}) as Record<string, unknown>,
      target: 'sim',
      endpoints: o.endpoints ?? {},
      reportIntervalMs: o.reportIntervalMs ?? 1000,
      gcFloorIntervalMs: o.gcFloorIntervalMs ?? 0,
      ...(o.gcFloorBudget === undefined ? {} : { gcFloorBudget: o.gcFloorBudget }),
      injectLeakBytesPerSec: 0,
      seed: 1,
    },
  });
  host.start();
  return host;
}

export async function waitRunning(hosts: WorkerHost[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!hosts.every((h) => h.status === 'running' && h.worker)) {
    const dead = hosts.find((h) => h.status === 'crashed' || h.status === 'stopped');
    if (dead) throw new Error(`probe ${dead.name} ${dead.status}: ${dead.error?.message ?? ''}`);
    if (Date.now() > deadline) throw new Error(`probes not running after ${timeoutMs} ms`);
    await sleep(20);
  }
}

/**
 * A cumulative counter as the probe reports it (once per report interval), noted with the time it
 * arrived: the rate between two reports is exact up to the poll period.
 */
export class CounterWatch {
  readonly points: { t: number; v: number }[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(host: WorkerHost, name: string, pollMs = 5) {
    let last = -1;
    this.timer = setInterval(() => {
      const v = host.counters[name] ?? 0;
      if (v !== last) {
        last = v;
        this.points.push({ t: performance.now(), v });
      }
    }, pollMs);
  }

  /** Per second, between the first report at/after `from` and the last at/before `to`. */
  rate(from: number, to: number): number {
    const inside = this.points.filter((p) => p.t >= from && p.t <= to);
    const a = inside[0];
    const b = inside.at(-1);
    if (!a || !b || b.t <= a.t) return NaN;
    return ((b.v - a.v) / (b.t - a.t)) * 1000;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
