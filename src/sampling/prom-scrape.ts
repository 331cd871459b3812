// Reads a process probe's own Prometheus endpoint: one bounded GET per sample, parsed with a
// maintained text-format parser, mapped to the exsoak counter and gauge names the scenario
// gives. Counters are made monotonic across client restarts the way Prometheus' rate() does.
import type { Agent } from 'node:http';
import { http, httpsModule } from '../shared/builtins.ts';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export interface ScrapeLimits {
  timeoutMs: number;
  /** A larger body is refused: a runaway label set must not grow the supervisor. */
  maxBytes: number;
  /** A body with more sample lines is refused before it is parsed (the parser holds each as an object). */
  maxSeries: number;
}

export const DEFAULT_SCRAPE_LIMITS: ScrapeLimits = { timeoutMs: 2_000, maxBytes: 4 * 1024 * 1024, maxSeries: 20_000 };

/** The number of sample lines (not comments, not blank) in a text-format body, counted up to `limit + 1`. */
export function countSeries(text: string, limit: number): number {
  let count = 0;
  for (let at = 0; at < text.length && count <= limit; ) {
    let end = text.indexOf('\n', at);
    if (end === -1) end = text.length;
    let first = at;
    while (first < end && (text[first] === ' ' || text[first] === '\t')) first++;
    if (first < end && text[first] !== '#' && text[first] !== '\r') count++;
    at = end + 1;
  }
  return count;
}

// Kept-alive connections: a fresh TCP handshake per sample would cost more than the parse.
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
let httpsAgent: Agent | undefined;

/** GETs `url` and returns the body, or rejects naming the URL and what went wrong. */
export function fetchMetricsText(url: string, limits: Pick<ScrapeLimits, 'timeoutMs' | 'maxBytes'> = DEFAULT_SCRAPE_LIMITS): Promise<string> {
  return new Promise((resolve, reject) => {
    const secure = url.startsWith('https:');
    const https = secure ? httpsModule() : undefined;
    if (https) httpsAgent ??= new https.Agent({ keepAlive: true, maxSockets: 4 });
    const get = https ? https.get : http.get;
    const req = get(url, { agent: https ? httpsAgent : httpAgent, timeout: limits.timeoutMs, headers: { accept: 'text/plain;version=0.0.4' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`GET ${url}: HTTP ${res.statusCode}`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.maxBytes) {
          req.destroy(new Error(`GET ${url}: body larger than ${limits.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    // `timeout` is idle time on the socket; the overall deadline bounds a slow trickle too.
    const deadline = setTimeout(() => req.destroy(new Error(`GET ${url}: no complete answer within ${limits.timeoutMs} ms`)), limits.timeoutMs);
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${limits.timeoutMs} ms`)));
    req.on('error', reject);
    req.on('close', () => clearTimeout(deadline));
  });
}

/**
 * Every sample value by metric name, summed over label sets (a counter split by stream or
 * status still totals what it counts). Histograms and summaries contribute `_count` and `_sum`.
 */
export function parseMetricValues(text: string): Map<string, number> {
  const values = new Map<string, number>();
  const add = (name: string, raw: string | undefined) => {
    if (raw === undefined) return;
    const value = Number(raw);
    if (!Number.isFinite(value)) return;
    values.set(name, (values.get(name) ?? 0) + value);
  };
  for (const family of parsePrometheusTextFormat(text)) {
    for (const metric of family.metrics) {
      if (family.type === 'HISTOGRAM' || family.type === 'SUMMARY') {
        add(`${family.name}_count`, metric.count);
        add(`${family.name}_sum`, metric.sum);
      } else {
        add(family.name, metric.value);
      }
    }
  }
  return values;
}

/** A value by its configured name; a counter configured without `_total` also finds the suffixed series. */
function lookup(values: Map<string, number>, name: string, counter: boolean): number | undefined {
  return values.get(name) ?? (counter && !name.endsWith('_total') ? values.get(`${name}_total`) : undefined);
}

/**
 * A cumulative counter that survives resets: like Prometheus' rate(), a value lower than the
 * previous one means the counter restarted from zero, so the whole new value is an increase.
 */
export class ResetAwareCounter {
  private last: number | undefined;
  private carried = 0;
  resets = 0;

  /** Takes the raw value scraped now and returns the total since the first scrape's origin. */
  update(raw: number): number {
    if (this.last !== undefined && raw < this.last) {
      this.carried += this.last;
      this.resets++;
    }
    this.last = raw;
    return this.carried + raw;
  }

  get total(): number {
    return this.carried + (this.last ?? 0);
  }
}

export interface PromMapping {
  url: string;
  /** exsoak name → Prometheus name */
  counters: Record<string, string>;
  gauges: Record<string, string>;
}

export interface ScrapeResult {
  counters: Record<string, number>;
  gauges: Record<string, number>;
  /** exsoak counter names whose source reset since the previous scrape. */
  resets: string[];
  /** Configured names the endpoint did not expose (yet). */
  missing: string[];
}

export class PromScraper {
  private readonly mapping: PromMapping;
  private readonly limits: ScrapeLimits;
  private readonly totals = new Map<string, ResetAwareCounter>();

  constructor(mapping: PromMapping, limits: Partial<ScrapeLimits> = {}) {
    this.mapping = mapping;
    this.limits = { ...DEFAULT_SCRAPE_LIMITS, ...limits };
    for (const name of Object.keys(mapping.counters)) this.totals.set(name, new ResetAwareCounter());
  }

  /** Scrapes once; rejects when the endpoint cannot be read (the totals are kept). */
  async scrape(): Promise<ScrapeResult> {
    const text = await fetchMetricsText(this.mapping.url, this.limits);
    const series = countSeries(text, this.limits.maxSeries);
    if (series > this.limits.maxSeries) throw new Error(`GET ${this.mapping.url}: more than ${this.limits.maxSeries} series; exsoak reads at most that many`);
    return this.apply(parseMetricValues(text));
  }

  /** Applies one parsed scrape (separate from the GET so resets are testable without a server). */
  apply(values: Map<string, number>): ScrapeResult {
    const result: ScrapeResult = { counters: {}, gauges: {}, resets: [], missing: [] };
    for (const [name, source] of Object.entries(this.mapping.counters)) {
      const counter = this.totals.get(name)!;
      const raw = lookup(values, source, true);
      if (raw === undefined) {
        result.missing.push(name);
      } else {
        const before = counter.resets;
        counter.update(raw);
        if (counter.resets > before) result.resets.push(name);
      }
      // A counter is 0 until first counted, as for worker probes.
      result.counters[name] = counter.total;
    }
    for (const [name, source] of Object.entries(this.mapping.gauges)) {
      const raw = lookup(values, source, false);
      if (raw === undefined) result.missing.push(name);
      else result.gauges[name] = raw;
    }
    return result;
  }
}
