// Which numbers a threshold can name, derived from samples. One MetricScope per probe and one
// for the process; each knows how to turn a Sample into named values.
import type { Sample } from '../bus/types.ts';
import { MB } from '../shared/units.ts';
import { RunningStats, WindowSeries } from './series.ts';
import type { Threshold } from '../shared/threshold.ts';
import { COUNTERS } from '../shared/counters.ts';
import type { ResolvedMetric } from '../shared/catalogue.ts';

export class MetricScope {
  readonly levels = new Map<string, RunningStats>();
  private readonly windows = new Map<string, WindowSeries>();
  counters: Record<string, number> = {};
  gauges: Record<string, number> = {};
  private firstMessages?: { t: number; n: number };
  private lastMessages?: { t: number; n: number };
  samples = 0;
  /**
   * Counters a process probe's /metrics never gave a value, with why (its host says so): a
   * threshold on one reads "never scraped" and fails instead of passing on the 0 it holds.
   */
  unscraped = new Map<string, string>();
  firstT = Number.NaN;
  /** The end of start-up: the first sample after it gives each level its `first`. */
  private settledAt: number | undefined;
  lastT = Number.NaN;

  constructor(windowed: Threshold[] = []) {
    for (const th of windowed) {
      if (th.windowMs !== undefined) this.windows.set(windowKey(th.metric, th.windowMs), new WindowSeries(th.windowMs));
    }
  }

  /** Start-up ended at `t`: the next sample's levels become each level's `first` (growth, final_ratio). */
  startUpOver(t: number): void {
    this.settledAt = t;
  }

  add(sample: Sample): void {
    const retake = this.settledAt !== undefined && sample.t > this.settledAt;
    const values: Record<string, number> = {
      rss_mb: sample.rss / MB,
      cpu_pct: sample.cpu,
    };
    if (sample.heapUsed !== null) values.heap_used_mb = sample.heapUsed / MB;
    if (sample.heapTotal !== null) values.heap_total_mb = sample.heapTotal / MB;
    if (sample.external !== null) values.external_mb = sample.external / MB;
    if (sample.threadCpu !== null) values.thread_cpu_pct = sample.threadCpu;
    if (sample.elu !== null) values.elu = sample.elu;
    if (sample.heapFloor !== null) values.heap_floor_mb = sample.heapFloor / MB;
    const messages = sample.counters[COUNTERS.messages];
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
      if (retake && Number.isFinite(value)) stats.first = value;
      for (const [key, window] of this.windows) if (key.startsWith(`${name}@`)) window.add(sample.t, value);
    }
    if (Object.keys(sample.counters).length > 0) this.counters = sample.counters;
    if (Object.keys(sample.gauges).length > 0) this.gauges = sample.gauges;
    if (this.samples === 0) this.firstT = sample.t;
    if (retake) this.settledAt = undefined;
    this.lastT = sample.t;
    this.samples++;
  }

  /**
   * The value a threshold compares, or undefined (with why) when it cannot be computed yet.
   * `metric` is the threshold resolved through the catalogue (src/shared/catalogue.ts); leak
   * figures are the engine's, not a scope's.
   */
  value(th: Threshold, metric: ResolvedMetric): { value?: number; why?: string } {
    switch (metric.type) {
      case 'counter': {
        const never = this.unscraped.get(metric.name);
        if (never !== undefined) return { why: never };
        // A declared counter not reported yet is 0.
        return { value: this.counters[metric.name] ?? 0 };
      }
      case 'gauge':
        return metric.name in this.gauges ? { value: this.gauges[metric.name] } : { why: `gauge ${metric.name} not reported yet` };
      case 'ratio': {
        const never = [COUNTERS.operations, COUNTERS.operationsFailed, COUNTERS.requests, COUNTERS.errors].map((name) => this.unscraped.get(name)).find((why) => why !== undefined);
        if (never !== undefined) return { why: never };
        // Failed operations ÷ operations (README, "Error rate"); a kind that counts no operations
        // keeps errors ÷ requests.
        const operations = this.counters[COUNTERS.operations];
        if (operations !== undefined) return { value: operations === 0 ? 0 : (this.counters[COUNTERS.operationsFailed] ?? 0) / operations };
        const requests = this.counters[COUNTERS.requests] ?? 0;
        return { value: requests === 0 ? 0 : (this.counters[COUNTERS.errors] ?? 0) / requests };
      }
      case 'leak':
        return { why: 'leak figures come from the leak detector' };
      case 'level':
        return this.levelValue(th, metric.metric, metric.aggregate);
    }
  }

  private levelValue(th: Threshold, name: string, aggregate: string): { value?: number; why?: string } {
    if (name === 'msg_rate' && aggregate === 'avg' && th.windowMs === undefined) {
      // The whole-run average is total messages over the time they took, not a mean of rates.
      const first = this.firstMessages;
      const last = this.lastMessages;
      if (!first || !last || last.t <= first.t) return { why: 'no message counts reported yet' };
      return { value: ((last.n - first.n) * 1000) / (last.t - first.t) };
    }
    const stats = th.windowMs !== undefined ? this.windows.get(windowKey(name, th.windowMs))?.stats() : this.levels.get(name);
    if (!stats || stats.count === 0) return { why: `no ${name} data yet` };
    switch (aggregate) {
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
      case 'count':
        return { value: stats.count };
      case 'growth':
        return { value: stats.last - stats.first };
      case 'final_ratio':
        return stats.first > 0 ? { value: stats.last / stats.first } : { why: 'first value is zero' };
      case 'p50':
        return { value: stats.quantiles.quantile(0.5) };
      case 'p90':
        return { value: stats.quantiles.quantile(0.9) };
      case 'p99':
        return { value: stats.quantiles.quantile(0.99) };
      default:
        return { why: `aggregate "${aggregate}" is not available for ${name}` };
    }
  }
}

function windowKey(metric: string, windowMs: number): string {
  return `${metric}@${windowMs}`;
}
