// A process probe's counters and gauges: from its NDJSON event lines and from its own Prometheus
// endpoint, merged so the endpoint wins on a shared name.
import { PromScraper } from '../../sampling/prom-scrape.ts';
import type { ProcessProbeSpec } from '../../probes/process-spec.ts';

/** Where the scrape's troubles are said: the probe's events and log. */
export interface ScrapeReporter {
  event(kind: string, data: Record<string, unknown>): void;
  log(level: 'info' | 'warn', msg: string): void;
}

export class ProbeMetrics {
  counters: Record<string, number> = {};
  gauges: Record<string, number> = {};
  private readonly eventCounters: Record<string, number> = {};
  private readonly eventGauges: Record<string, number> = {};
  private promCounters: Record<string, number> = {};
  private promGauges: Record<string, number> = {};
  private readonly scraper?: PromScraper;
  private readonly spec: { url: string; counters: Record<string, string> };
  /** The last scrape failure, for the progress line and logs. */
  scrapeError?: string;
  private succeeded = 0;
  private failures = 0;
  private reportedFailures = 0;
  private failing = false;
  /** Configured counters some scrape has found. */
  private readonly seen = new Set<string>();
  private lastUnscraped = '';

  constructor(spec: ProcessProbeSpec) {
    this.spec = { url: spec.metrics?.url ?? '', counters: spec.metrics?.counters ?? {} };
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
   * One scrape of the endpoint: false when there is none or it failed. A failure is said (an
   * event and a warning, again each time the count doubles), so counters stuck at 0 never go
   * unexplained; counters that reset since the previous scrape are logged.
   */
  async scrape(out: ScrapeReporter): Promise<boolean> {
    if (!this.scraper) return false;
    try {
      const result = await this.scraper.scrape();
      this.promCounters = result.counters;
      this.promGauges = result.gauges;
      this.merge();
      this.succeeded++;
      for (const name of Object.keys(this.spec.counters)) if (!result.missing.includes(name)) this.seen.add(name);
      if (result.resets.length > 0) out.log('info', `counter reset (client restarted?): ${result.resets.join(', ')}`);
      if (this.failing) out.log('info', `${this.spec.url} answers again after ${this.failures} failed scrape(s)`);
      this.failing = false;
      this.noteUnscraped(out);
      return true;
    } catch (err) {
      this.scrapeError = (err as Error).message;
      this.failures++;
      this.failing = true;
      if (this.failures >= Math.max(1, this.reportedFailures * 2)) {
        this.reportedFailures = this.failures;
        out.event('scrape-failed', { url: this.spec.url, error: this.scrapeError, failures: this.failures });
        out.log('warn', `could not scrape ${this.spec.url} (${this.failures} failure(s) so far): ${this.scrapeError}`);
      }
      this.noteUnscraped(out);
      return false;
    }
  }

  /**
   * The configured counters that never got a value, each with why: a threshold on one must read
   * "never scraped", not pass on the 0 it holds. Said again whenever the set changes, and at the
   * end of the run (`final`) with a warning.
   */
  noteUnscraped(out: ScrapeReporter, final = false): void {
    if (!this.scraper || (!final && this.failures === 0)) return;
    const why: Record<string, string> = {};
    for (const [name, source] of Object.entries(this.spec.counters)) {
      if (this.seen.has(name)) continue;
      why[name] = this.succeeded === 0 ? `never scraped: ${this.scrapeError ?? `no scrape of ${this.spec.url} was made`}` : `never scraped: ${this.spec.url} never exposed ${source}`;
    }
    const key = JSON.stringify(why);
    if (key !== this.lastUnscraped) {
      this.lastUnscraped = key;
      out.event('metrics-unscraped', { url: this.spec.url, counters: why });
    }
    if (final && Object.keys(why).length > 0) out.log('warn', `counters never scraped from ${this.spec.url}: ${Object.keys(why).join(', ')} (${Object.values(why)[0]})`);
  }

  private merge(): void {
    this.counters = { ...this.eventCounters, ...this.promCounters };
    this.gauges = { ...this.eventGauges, ...this.promGauges };
  }
}
