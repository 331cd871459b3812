// Every sample interval: one Sample per live probe worker and one for the process, on the bus.
import type { Bus } from '../bus/bus.ts';
import type { Sample } from '../bus/types.ts';
import type { SampledHost } from './host.ts';
import { FloorRule } from './floor.ts';
import { clearLongTimer, setLongInterval, type LongTimer } from '../shared/timers.ts';
import { WorkerSampler } from './worker.ts';
import { closeProcessSampler, sampleProcess } from './process.ts';

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
      const cpuBefore = process.threadCpuUsage();
      const [proc, readings] = await Promise.all([
        sampleProcess(),
        Promise.all(live.map((host) => this.readWorker(host))),
      ]);
      const cpu = process.threadCpuUsage(cpuBefore);
      this.lastCostUsPerWorker = live.length > 0 ? (cpu.user + cpu.system) / live.length : 0;
      const t = Date.now();
      for (const reading of readings) this.bus.emit('sample', { t, ...reading, rss: proc.rss, cpu: proc.cpu });
      const own = process.memoryUsage();
      this.bus.emit('sample', {
        t,
        probe: 'process',
        heapUsed: own.heapUsed,
        heapTotal: own.heapTotal,
        external: own.external,
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

  private async readWorker(host: SampledHost): Promise<Omit<Sample, 't' | 'rss' | 'cpu'>> {
    const worker = host.worker!;
    let sampler = this.perWorker.get(worker);
    if (!sampler) {
      sampler = new WorkerSampler(worker);
      this.perWorker.set(worker, sampler);
    }
    const [heap, threadCpu] = await Promise.all([
      sampler.heap(Math.max(50, Math.min(this.intervalMs * 0.8, 2000))),
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
    const floor = this.floors.apply(host.name, host.takeFloor());
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
    if (this.lateTicks >= Math.max(3, this.reportedLate * 2)) {
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
