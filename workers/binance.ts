// The `binance` probe: runs the market-stream client against task.endpoints (`ws`, `rest`) and
// reports what it sees. Counter, gauge and event names are a contract with the verdict engine:
// counters messages, messages.<stream>, connects, ws_reconnects, drops.scheduled,
// drops.unscheduled, malformed, gaps, resyncs, errors, rotations (+ duplicates); gauges
// conn_age_s, event_latency_ms (p50 of the last interval), event_latency_ms.p99; events connect,
// disconnect {scheduled, code, reason}, rotation, resync, gap, malformed (first of each kind), error.
//
// The per-message path only bumps plain numbers and one histogram slot; they reach the runtime's
// counters on a flush timer, so the message rate never turns into Map updates or postMessages.
import type { ProbeTask } from '../src/bus/protocol.ts';
import { BinanceStreamClient } from '../src/exchanges/binance/client.ts';
import type { BinanceStreamClientOptions } from '../src/exchanges/binance/types.ts';
import { DEFAULT_ENDPOINTS } from '../src/exchanges/binance/urls.ts';
import { optionsSchema, type BinanceProbeOptions } from '../src/scenario/probes/binance.ts';
import { runProbe, type ProbeContext } from './lib/runtime.ts';

/**
 * Latency histogram with fixed memory: 1 ms buckets up to 64 ms, then 8 buckets per doubling
 * (≈ 9 % resolution) up to ~17 min. Adding a sample is an index computation and an increment.
 */
export class LatencyHistogram {
  private static readonly LINEAR = 64;
  private static readonly PER_DOUBLING = 8;
  private readonly buckets = new Uint32Array(LatencyHistogram.LINEAR + LatencyHistogram.PER_DOUBLING * 14 + 1);
  count = 0;

  add(ms: number): void {
    const v = ms > 0 ? ms : 0;
    let i: number;
    if (v < LatencyHistogram.LINEAR) i = Math.floor(v);
    else {
      i = LatencyHistogram.LINEAR + Math.floor(Math.log2(v / LatencyHistogram.LINEAR) * LatencyHistogram.PER_DOUBLING);
      if (i >= this.buckets.length) i = this.buckets.length - 1;
    }
    this.buckets[i]!++;
    this.count++;
  }

  /** Upper bound of the bucket holding quantile `q`, or undefined when empty. */
  quantile(q: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return LatencyHistogram.upperBound(i);
    }
    return LatencyHistogram.upperBound(this.buckets.length - 1);
  }

  reset(): void {
    this.buckets.fill(0);
    this.count = 0;
  }

  private static upperBound(i: number): number {
    if (i < LatencyHistogram.LINEAR) return i + 1;
    const k = i - LatencyHistogram.LINEAR + 1;
    return Math.round(LatencyHistogram.LINEAR * 2 ** (k / LatencyHistogram.PER_DOUBLING));
  }
}

/** At most one event per kind per interval; the ones held back are counted into the next. */
class EventThrottle {
  private readonly last = new Map<string, number>();
  private readonly held = new Map<string, number>();
  private readonly intervalMs: number;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /** Returns how many were suppressed before this one, or -1 to suppress this one. */
  pass(kind: string, now = Date.now()): number {
    const last = this.last.get(kind);
    if (last !== undefined && now - last < this.intervalMs) {
      this.held.set(kind, (this.held.get(kind) ?? 0) + 1);
      return -1;
    }
    this.last.set(kind, now);
    const suppressed = this.held.get(kind) ?? 0;
    this.held.delete(kind);
    return suppressed;
  }
}

export function clientOptions(options: BinanceProbeOptions, task: Pick<ProbeTask, 'endpoints' | 'target'>): BinanceStreamClientOptions {
  let ws = task.endpoints?.ws;
  let rest = task.endpoints?.rest;
  // The live endpoint table names Binance's spot hosts; a USD-M probe on live needs fstream/fapi.
  if (task.target === 'live' && options.market === 'usdm') {
    if (!ws || ws === DEFAULT_ENDPOINTS.spot.ws) ws = DEFAULT_ENDPOINTS.usdm.ws;
    if (!rest || rest === DEFAULT_ENDPOINTS.spot.rest) rest = DEFAULT_ENDPOINTS.usdm.rest;
  }
  if (!ws) throw new Error('binance probe: task.endpoints.ws is missing');
  return {
    market: options.market,
    wsBaseUrl: ws,
    restBaseUrl: rest ?? DEFAULT_ENDPOINTS[options.market].rest,
    symbols: options.symbols,
    streams: options.streams,
    extraStreams: options.extraStreams,
    subscribeVia: options.subscribeVia,
    backoff: options.backoff,
    reconnectDelayMs: options.reconnectDelay,
    maxReconnectDelayMs: options.maxReconnectDelay,
    maxReconnectAttempts: options.maxReconnectAttempts,
    maxConnectAttempts: options.maxConnectAttempts,
    connectWindowMs: options.connectWindow,
    silenceTimeoutMs: options.silenceTimeout,
    maxConnectionAgeMs: options.maxConnectionAge,
    serverMaxConnectionAgeMs: options.serverMaxConnectionAge,
    rotationOverlapMaxMs: options.rotationOverlapMax,
    maxMessagesPerSec: options.maxMessagesPerSec,
    maxStreamsPerConnection: options.maxStreamsPerConnection,
    maxStreamsPerRequest: options.maxStreamsPerRequest,
    orderBook: options.depth.orderBook,
    depthSnapshotLimit: options.depth.snapshotLimit,
    minSnapshotIntervalMs: options.depth.minSnapshotInterval,
  };
}

export default function binance(task: ProbeTask) {
  return runProbe(task, (ctx) => runBinanceProbe(ctx));
}

export async function runBinanceProbe(ctx: ProbeContext): Promise<void> {
  const { task } = ctx;
  const options = optionsSchema.parse(task.options ?? {});
  const client = new BinanceStreamClient(clientOptions(options, task));

  // Hot-path tallies, flushed to ctx.count as deltas.
  let messages = 0;
  let flushedMessages = 0;
  const perStream = new Map<string, { name: string; n: number; flushed: number }>();
  for (const stream of client.streams) perStream.set(stream, { name: `messages.${stream}`, n: 0, flushed: 0 });
  const latency = new LatencyHistogram();

  client.on('message', (stream, data) => {
    messages++;
    const tally = perStream.get(stream);
    if (tally !== undefined) tally.n++;
    const E = (data as { E?: unknown }).E;
    if (typeof E === 'number') latency.add(Date.now() - E);
  });

  const throttle = new EventThrottle(1_000);
  client.on('open', (e) => {
    ctx.count('connects');
    ctx.event('connect', { connection: e.connection, route: e.route, rotation: e.rotation, reconnect: e.reconnect, attempt: e.attempt });
  });
  client.on('reconnected', (e) => {
    ctx.count('ws_reconnects');
    ctx.log('info', 'binance: reconnected', { connection: e.connection, downtimeMs: Math.round(e.downtimeMs), attempts: e.attempts });
  });
  client.on('drop', (e) => {
    ctx.count(e.scheduled ? 'drops.scheduled' : 'drops.unscheduled');
    ctx.event('disconnect', {
      scheduled: e.scheduled,
      code: e.code,
      reason: e.reason,
      cause: e.cause,
      connection: e.connection,
      ageS: Math.round(e.ageMs / 1000),
    });
  });
  client.on('rotation', (e) => {
    ctx.count('rotations');
    ctx.event('rotation', {
      connection: e.connection,
      reason: e.reason,
      oldAgeS: Math.round(e.oldAgeMs / 1000),
      overlapMs: Math.round(e.overlapMs),
      replayed: e.replayed,
      duplicates: e.duplicates,
      forced: e.forced,
    });
  });
  client.on('malformed', (e) => {
    ctx.count('malformed');
    if (e.first) ctx.event('malformed', { kind: e.kind, connection: e.connection, stream: e.stream, sample: e.sample });
  });
  client.on('gap', (e) => {
    ctx.count('gaps');
    const suppressed = throttle.pass('gap');
    if (suppressed >= 0) ctx.event('gap', { stream: e.stream, expected: e.expected, got: e.got, missing: e.missing, suppressed });
  });
  client.on('resync', (e) => {
    ctx.count('resyncs');
    const suppressed = throttle.pass(`resync:${e.symbol}`);
    if (suppressed >= 0) ctx.event('resync', { symbol: e.symbol, reason: e.reason, count: e.count, suppressed });
  });
  client.on('error', (err) => {
    ctx.count('errors');
    const suppressed = throttle.pass(`error:${err.kind}`);
    if (suppressed >= 0) {
      ctx.event('error', { kind: err.kind, message: err.message, fatal: err.fatal, connection: err.connection, code: err.code, suppressed });
    }
  });

  const flush = () => {
    if (messages !== flushedMessages) {
      ctx.count('messages', messages - flushedMessages);
      flushedMessages = messages;
    }
    for (const tally of perStream.values()) {
      if (tally.n === tally.flushed) continue;
      ctx.count(tally.name, tally.n - tally.flushed);
      tally.flushed = tally.n;
    }
    const duplicates = client.counts.duplicates - ctx.counter('duplicates');
    if (duplicates > 0) ctx.count('duplicates', duplicates);
    let age = 0;
    for (const conn of client.stats().connections) if (conn.ageMs > age) age = conn.ageMs;
    ctx.gauge('conn_age_s', Math.round(age / 100) / 10);
    const p50 = latency.quantile(0.5);
    if (p50 !== undefined) {
      ctx.gauge('event_latency_ms', p50);
      ctx.gauge('event_latency_ms.p99', latency.quantile(0.99)!);
      latency.reset();
    }
  };
  // Flush faster than the runtime reports so each report carries fresh totals.
  const flushTimer = setInterval(flush, Math.max(50, Math.min(1_000, Math.floor(task.reportIntervalMs / 2))));

  client.start();
  try {
    await ctx.stopped;
  } finally {
    clearInterval(flushTimer);
    await client.close();
    flush();
  }
}
