// Every sample interval: one Sample per live probe worker and one for the process, on the bus.
import type { Bus } from '../bus/bus.ts';
import type { Sample } from '../bus/types.ts';
import type { SampledHost } from './host.ts';
import { FloorRule } from './floor.ts';
import { clearLongTimer, setLongInterval, type LongTimer } from '../shared/timers.ts';
import { WorkerSampler } from './worker.ts';
import { closeProcessSampler, sampleProcess } from './process.ts';
import { samplerGapFails } from '../shared/sampler-gap.ts';

export class Sampler {
  private timer?: LongTimer;
  private readonly perWorker = new WeakMap<object, WorkerSampler>();
  private readonly unresponsive = new Set<string>();
  private readonly floors = new FloorRule();
  private busy = false;
  private readonly hosts: SampledHost[];
  private readonly bus: Bus;
  private readonly intervalMs: number;
  /** Cost of the last tick's worker sampling, in µs of main-thread CPU per worker. */
  lastCostUsPerWorker = 0;

  /** A worker silent for longer than this has a blocked event loop. */
  private readonly silenceMs: number;

  constructor(hosts: SampledHost[], bus: Bus, intervalMs: number, reportIntervalMs: number) {
    this.hosts = hosts;
    this.bus = bus;
    this.intervalMs = intervalMs;
    this.silenceMs = Math.max(3 * reportIntervalMs, 1000);
  }

  start(): void {
    this.timer = setLongInterval(() => void this.tick(), this.intervalMs);
  }

  async stop(): Promise<void> {
    clearLongTimer(this.timer);
    closeProcessSampler();
  }

  async tick(): Promise<void> {
    this.noteTiming(Date.now());
    // A slow tick (a wedged worker's query timing out) must not pile up behind itself.
    if (this.busy) return;
    this.busy = true;
    try {
      const live = this.hosts.filter((h) => h.alive && h.worker);
      const own = this.hosts.filter((h) => h.alive && !h.worker && h.read);
      const cpuBefore = process.threadCpuUsage();
      const [proc, readings, ownReadings] = await Promise.all([
        sampleProcess(),
        Promise.all(live.map((host) => this.readWorker(host))),
        Promise.all(own.map((host) => readOwn(host, this.queryTimeoutMs, this.floors))),
      ]);
      const cpu = process.threadCpuUsage(cpuBefore);
      this.lastCostUsPerWorker = live.length + own.length > 0 ? (cpu.user + cpu.system) / (live.length + own.length) : 0;
      const t = Date.now();
      for (const reading of readings) this.bus.emit('sample', { t, ...reading, rss: proc.rss, cpu: proc.cpu });
      for (const reading of ownReadings) if (reading) this.bus.emit('sample', { t, ...reading });
      const mem = process.memoryUsage();
      this.bus.emit('sample', {
        t,
        probe: 'process',
        heapUsed: mem.heapUsed,
        heapTotal: mem.heapTotal,
        external: mem.external,
        heapLimit: null,
        detachedContexts: null,
        heapFloor: null,
        heapFloorMajor: false,
        rss: proc.rss,
        cpu: proc.cpu,
        elu: null,
        threadCpu: null,
        counters: {},
        gauges: {},
      });
    } finally {
      this.busy = false;
    }
  }

  /** How long one query of a probe may take: most of an interval, never more than 2 s. */
  private get queryTimeoutMs(): number {
    return Math.max(50, Math.min(this.intervalMs * 0.8, 2000));
  }

  private async readWorker(host: SampledHost): Promise<Omit<Sample, 't' | 'rss' | 'cpu'>> {
    const worker = host.worker!;
    let sampler = this.perWorker.get(worker);
    if (!sampler) {
      sampler = new WorkerSampler(worker);
      this.perWorker.set(worker, sampler);
    }
    const [heap, threadCpu] = await Promise.all([
      sampler.heap(this.queryTimeoutMs),
      sampler.threadCpu(),
    ]);
    const elu = sampler.elu();
    // V8 answers heap queries through an interrupt even while the worker's JS is busy, so the
    // heap is still measured; a silent runtime (no report for a while) is what shows the block.
    const silentMs = Date.now() - host.lastHeard;
    // A worker still 'starting' that never says ready is as blocked as a running one gone
    // silent (it passed before: one sample, PASS); loading gets a longer allowance.
    const allowed = host.status === 'starting' ? Math.max(this.silenceMs, 10_000) : this.silenceMs;
    const watched = host.status === 'running' || host.status === 'starting';
    const responsive = heap !== undefined && (!watched || silentMs < allowed);
    this.noteResponsiveness(host.name, responsive, silentMs);
    const floor = this.floors.apply(host.name, host.takeFloor?.());
    return {
      probe: host.name,
      heapUsed: heap?.heapUsed ?? null,
      heapTotal: heap?.heapTotal ?? null,
      external: heap?.external ?? null,
      heapLimit: heap?.heapLimit ?? null,
      detachedContexts: heap?.detachedContexts ?? null,
      heapFloor: floor?.floor ?? null,
      heapFloorMajor: floor?.major ?? false,
      elu,
      threadCpu,
      ...(responsive ? {} : { unresponsive: true }),
      counters: host.counters,
      gauges: host.gauges,
    };
  }

  private lastTickAt = 0;
  private lateTicks = 0;
  private worstGapMs = 0;
  private reportedLate = 0;

  /** Ticks more than twice the interval apart: the machine cannot keep the sampling rate. */
  private noteTiming(now: number): void {
    const gap = this.lastTickAt ? now - this.lastTickAt : 0;
    this.lastTickAt = now;
    if (gap <= 2 * this.intervalMs && !this.busy) return;
    this.lateTicks++;
    this.worstGapMs = Math.max(this.worstGapMs, gap);
    // Said once, then again each time the count doubles: a bounded number of events.
    if (this.lateTicks >= Math.max(3, this.reportedLate * 2) || samplerGapFails(gap, this.intervalMs)) {
      this.reportedLate = this.lateTicks;
      this.bus.emit('event', { t: now, probe: 'process', kind: 'sampler-lag', data: { intervalMs: this.intervalMs, worstGapMs: this.worstGapMs, lateTicks: this.lateTicks } });
    }
  }

  private noteResponsiveness(probe: string, answered: boolean, silentMs: number): void {
    if (!answered && !this.unresponsive.has(probe)) {
      this.unresponsive.add(probe);
      this.bus.emit('event', { t: Date.now(), probe, kind: 'unresponsive', data: { silentMs } });
    } else if (answered && this.unresponsive.delete(probe)) {
      this.bus.emit('event', { t: Date.now(), probe, kind: 'responsive' });
    }
  }
}

/**
 * A probe that is a process of its own: its RSS, CPU and (a Node child) heap are its own, not the
 * supervisor's; it has no worker thread, so no ELU or thread CPU.
 */
async function readOwn(host: SampledHost, timeoutMs: number, floors: FloorRule): Promise<Omit<Sample, 't'> | undefined> {
  const reading = await host.read!(timeoutMs);
  if (!reading) return undefined;
  const floor = floors.apply(host.name, reading.heapFloor === null ? undefined : { floor: reading.heapFloor, major: reading.heapFloorMajor });
  return {
    probe: host.name,
    heapUsed: reading.heapUsed,
    heapTotal: reading.heapTotal,
    external: reading.external,
    heapLimit: null,
    detachedContexts: null,
    heapFloor: floor?.floor ?? null,
    heapFloorMajor: floor?.major ?? false,
    rss: reading.rss,
    cpu: reading.cpu,
    ownProcess: true,
    elu: null,
    threadCpu: null,
    counters: host.counters,
    gauges: host.gauges,
  };
}
