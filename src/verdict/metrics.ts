// Which numbers a threshold can name, derived from samples. One MetricScope per probe and one
// for the process; each knows how to turn a Sample into named values.
import type { Sample } from '../bus/types.ts';
import { MB } from '../scenario/units.ts';
import { RunningStats, WindowSeries } from './series.ts';
import type { Threshold } from './expression.ts';

/** Series whose samples are levels (aggregated with avg/min/max/growth...). */
export const LEVEL_METRICS = [
  'heap_used_mb',
  'heap_total_mb',
  'heap_floor_mb',
  'external_mb',
  'rss_mb',
  'cpu_pct',
  'thread_cpu_pct',
  'elu',
  'msg_rate',
] as const;

export class MetricScope {
  readonly levels = new Map<string, RunningStats>();
  private readonly windows = new Map<string, WindowSeries>();
  counters: Record<string, number> = {};
  gauges: Record<string, number> = {};
  private firstMessages?: { t: number; n: number };
  private lastMessages?: { t: number; n: number };
  private sawMajorFloor = false;
  samples = 0;
  firstT = Number.NaN;
  lastT = Number.NaN;

  /** Whether a name is one of the scope's counters (a counter not reported yet is 0). */
  private readonly isCounter: (name: string) => boolean;

  constructor(windowed: Threshold[] = [], isCounter: (name: string) => boolean = () => false) {
    this.isCounter = isCounter;
    for (const th of windowed) {
      if (th.windowMs !== undefined) this.windows.set(windowKey(th.metric, th.windowMs), new WindowSeries(th.windowMs));
    }
  }

  add(sample: Sample): void {
    const values: Record<string, number> = {
      rss_mb: sample.rss / MB,
      cpu_pct: sample.cpu,
    };
    if (sample.heapUsed !== null) values.heap_used_mb = sample.heapUsed / MB;
    if (sample.heapTotal !== null) values.heap_total_mb = sample.heapTotal / MB;
    if (sample.external !== null) values.external_mb = sample.external / MB;
    if (sample.threadCpu !== null) values.thread_cpu_pct = sample.threadCpu;
    if (sample.elu !== null) values.elu = sample.elu;
    if (sample.heapFloor !== null) {
      // Once full-GC floors arrive, scavenge floors (which include old-space garbage) would only
      // add noise to the floor series.
      if (sample.heapFloorMajor) this.sawMajorFloor = true;
      if (sample.heapFloorMajor || !this.sawMajorFloor) values.heap_floor_mb = sample.heapFloor / MB;
    }
    const messages = sample.counters.messages;
    if (messages !== undefined) {
      if (this.lastMessages && sample.t > this.lastMessages.t) {
        values.msg_rate = ((messages - this.lastMessages.n) * 1000) / (sample.t - this.lastMessages.t);
      }
      this.lastMessages = { t: sample.t, n: messages };
      this.firstMessages ??= this.lastMessages;
    }
    for (const [name, value] of Object.entries(values)) {
      let stats = this.levels.get(name);
      if (!stats) this.levels.set(name, (stats = new RunningStats()));
      stats.add(value);
      for (const [key, window] of this.windows) if (key.startsWith(`${name}@`)) window.add(sample.t, value);
    }
    if (Object.keys(sample.counters).length > 0) this.counters = sample.counters;
    if (Object.keys(sample.gauges).length > 0) this.gauges = sample.gauges;
    if (this.samples === 0) this.firstT = sample.t;
    this.lastT = sample.t;
    this.samples++;
  }

  /** The value a threshold compares, or undefined (with why) when it cannot be computed yet. */
  value(th: Threshold): { value?: number; why?: string } {
    const full = th.aggregate ? `${th.metric}.${th.aggregate}` : th.metric;
    if (full in this.gauges) return { value: this.gauges[full] };
    if (full in this.counters) return { value: this.counters[full] };
    if (th.metric === 'error_rate' && !th.aggregate) {
      // Failed operations ÷ operations (README, "Error rate"); a probe without operation counters
      // keeps its errors ÷ requests.
      const operations = this.counters.operations;
      if (operations !== undefined) return { value: operations === 0 ? 0 : (this.counters.operations_failed ?? 0) / operations };
      const requests = this.counters.requests ?? 0;
      return requests === 0 ? { value: 0 } : { value: (this.counters.errors ?? 0) / requests };
    }
    if (th.metric === 'msg_rate' && th.aggregate === 'avg' && th.windowMs === undefined) {
      // The whole-run average is total messages over the time they took, not a mean of rates.
      const first = this.firstMessages;
      const last = this.lastMessages;
      if (!first || !last || last.t <= first.t) return { why: 'no message counts reported yet' };
      return { value: ((last.n - first.n) * 1000) / (last.t - first.t) };
    }
    if (this.isCounter(full)) return { value: this.counters[full] ?? 0 };
    if (th.metric in this.counters || this.isCounter(th.metric)) return { value: this.counters[th.metric] ?? 0 };
    const stats = th.windowMs !== undefined ? this.windows.get(windowKey(th.metric, th.windowMs))?.stats() : this.levels.get(th.metric);
    if (!stats || stats.count === 0) {
      return (LEVEL_METRICS as readonly string[]).includes(th.metric)
        ? { why: `no ${th.metric} data yet` }
        : { why: `unknown metric "${th.metric}"` };
    }
    switch (th.aggregate ?? 'last') {
      case 'avg':
        return { value: stats.avg };
      case 'min':
        return { value: stats.min };
      case 'max':
        return { value: stats.max };
      case 'first':
        return { value: stats.first };
      case 'last':
        return { value: stats.last };
      case 'growth':
        return { value: stats.last - stats.first };
      case 'final_ratio':
        return stats.first > 0 ? { value: stats.last / stats.first } : { why: 'first value is zero' };
      default:
        return { why: `aggregate "${th.aggregate}" is not available for ${th.metric}` };
    }
  }
}

function windowKey(metric: string, windowMs: number): string {
  return `${metric}@${windowMs}`;
}
