// A process probe's counters and gauges: from its NDJSON event lines and from its own Prometheus
// endpoint, merged so the endpoint wins on a shared name.
import { PromScraper } from '../../sampling/prom-scrape.ts';
import type { ProcessProbeSpec } from '../../probes/process-spec.ts';

export class ProbeMetrics {
  counters: Record<string, number> = {};
  gauges: Record<string, number> = {};
  private readonly eventCounters: Record<string, number> = {};
  private readonly eventGauges: Record<string, number> = {};
  private promCounters: Record<string, number> = {};
  private promGauges: Record<string, number> = {};
  private readonly scraper?: PromScraper;
  /** The last scrape failure, for the progress line and logs. */
  scrapeError?: string;

  constructor(spec: ProcessProbeSpec) {
    if (spec.metrics) {
      const { url, counters, gauges, timeout } = spec.metrics;
      this.scraper = new PromScraper({ url, counters, gauges }, { timeoutMs: timeout });
    }
  }

  /** Whether the probe has a Prometheus endpoint to scrape. */
  get scraped(): boolean {
    return this.scraper !== undefined;
  }

  /** Values an event line sets (finite numbers only). */
  setFromEvent(counters: unknown, gauges: unknown): void {
    for (const [target, source] of [
      [this.eventCounters, counters],
      [this.eventGauges, gauges],
    ] as const) {
      if (!source || typeof source !== 'object') continue;
      for (const [k, v] of Object.entries(source)) if (typeof v === 'number' && Number.isFinite(v)) target[k] = v;
    }
    this.merge();
  }

  /** Counts one more of an event-derived counter (`events.<kind>`, `drops.*`). */
  bump(name: string): void {
    this.eventCounters[name] = (this.eventCounters[name] ?? 0) + 1;
    this.merge();
  }

  /**
   * One scrape of the endpoint: false when there is none or it failed (the error is kept). The
   * names of counters that reset since the previous scrape go to `onResets`.
   */
  async scrape(onResets: (names: string[]) => void): Promise<boolean> {
    if (!this.scraper) return false;
    try {
      const result = await this.scraper.scrape();
      this.promCounters = result.counters;
      this.promGauges = result.gauges;
      this.merge();
      if (result.resets.length > 0) onResets(result.resets);
      return true;
    } catch (err) {
      this.scrapeError = (err as Error).message;
      return false;
    }
  }

  private merge(): void {
    this.counters = { ...this.eventCounters, ...this.promCounters };
    this.gauges = { ...this.eventGauges, ...this.promGauges };
  }
}
