// Every sample interval: one Sample per live probe and one for the process, on the bus. Each
// host reads itself (Host.read); the sampler adds the supervisor's RSS/CPU to a probe that runs
// inside it, applies the floor rule and watches for silent runtimes.
import type { Bus } from '../bus/bus.ts';
import type { Host, HostReading, InProcessReading, OwnProcessReading } from '../bus/host.ts';
import type { HeapFigures, Sample } from '../bus/types.ts';
import { FloorRule } from './floor.ts';
import { clearLongTimer, setLongInterval, type LongTimer } from '../shared/timers.ts';
import { closeProcessSampler, sampleProcess } from './process.ts';
import { samplerGapFails } from '../shared/sampler-gap.ts';

export class Sampler {
  private timer?: LongTimer;
  private readonly unresponsive = new Set<string>();
  private readonly floors = new FloorRule();
  private busy = false;
  private readonly hosts: Host[];
  private readonly bus: Bus;
  private readonly intervalMs: number;
  /** Cost of the last tick's worker sampling, in µs of main-thread CPU per worker. */
  lastCostUsPerWorker = 0;

  /** A worker silent for longer than this has a blocked event loop. */
  private readonly silenceMs: number;

  constructor(hosts: Host[], bus: Bus, intervalMs: number, reportIntervalMs: number) {
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
      const live = this.hosts.filter((h) => h.alive);
      const cpuBefore = process.threadCpuUsage();
      const [proc, readings] = await Promise.all([sampleProcess(), Promise.all(live.map((host) => read(host, this.queryTimeoutMs)))]);
      const cpu = process.threadCpuUsage(cpuBefore);
      this.lastCostUsPerWorker = live.length > 0 ? (cpu.user + cpu.system) / live.length : 0;
      const t = Date.now();
      // Probes inside the supervisor first, then those in processes of their own.
      for (const { host, reading } of readings) if (reading?.where === 'in-process') this.bus.emit('sample', { t, ...this.inProcess(host, reading), rss: proc.rss, cpu: proc.cpu });
      for (const { host, reading } of readings) if (reading?.where === 'own-process') this.bus.emit('sample', { t, ...this.ownProcess(host, reading) });
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

  /** A probe inside the supervisor: its runtime reports on a cadence, so silence means a blocked loop. */
  private inProcess(host: Host, reading: InProcessReading): Omit<Sample, 't' | 'rss' | 'cpu'> {
    // V8 answers heap queries through an interrupt even while the worker's JS is busy, so the
    // heap is still measured; a silent runtime (no report for a while) is what shows the block.
    const silentMs = Date.now() - host.lastHeard;
    // A worker still 'starting' that never says ready is as blocked as a running one gone
    // silent (it passed before: one sample, PASS); loading gets a longer allowance.
    const allowed = host.status === 'starting' ? Math.max(this.silenceMs, 10_000) : this.silenceMs;
    const watched = host.status === 'running' || host.status === 'starting';
    const responsive = reading.answered && (!watched || silentMs < allowed);
    this.noteResponsiveness(host.name, responsive, silentMs);
    return {
      probe: host.name,
      ...this.heap(host.name, reading),
      elu: reading.elu,
      threadCpu: reading.threadCpu,
      ...(responsive ? {} : { unresponsive: true }),
      counters: host.counters,
      gauges: host.gauges,
    };
  }

  /**
   * A probe that is a process of its own: its RSS, CPU and (a Node child) heap are its own, not the
   * supervisor's; it has no worker thread, so no ELU or thread CPU.
   */
  private ownProcess(host: Host, reading: OwnProcessReading): Omit<Sample, 't'> {
    return {
      probe: host.name,
      ...this.heap(host.name, reading),
      heapLimit: null,
      detachedContexts: null,
      rss: reading.rss,
      cpu: reading.cpu,
      ownProcess: true,
      elu: null,
      threadCpu: null,
      counters: host.counters,
      gauges: host.gauges,
    };
  }

  /** A reading's heap figures, its floor passed through the floor rule (one per probe). */
  private heap(probe: string, r: HeapFigures): HeapFigures {
    const floor = this.floors.apply(probe, r.heapFloor === null ? undefined : { floor: r.heapFloor, major: r.heapFloorMajor });
    return { heapUsed: r.heapUsed, heapTotal: r.heapTotal, external: r.external, heapLimit: r.heapLimit, detachedContexts: r.detachedContexts, heapFloor: floor?.floor ?? null, heapFloorMajor: floor?.major ?? false };
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

async function read(host: Host, timeoutMs: number): Promise<{ host: Host; reading: HostReading | undefined }> {
  return { host, reading: await host.read(timeoutMs) };
}
