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
import type { BinanceProbeOptions } from '../src/probes/validation/binance.ts';
import { LatencyHistogram } from './lib/latency.ts';
import { EventLimiter } from './lib/event-limiter.ts';
import { defineProbe, type ProbeContext } from './lib/probe.ts';

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

export default defineProbe((ctx) => runBinanceProbe(ctx));

export async function runBinanceProbe(ctx: ProbeContext): Promise<void> {
  const task = ctx;
  const options = task.options as BinanceProbeOptions;
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

  const limiter = new EventLimiter(1, 1_000);
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
    const suppressed = limiter.take('gap');
    if (suppressed !== undefined) ctx.event('gap', { stream: e.stream, expected: e.expected, got: e.got, missing: e.missing, suppressed });
  });
  client.on('resync', (e) => {
    ctx.count('resyncs');
    const suppressed = limiter.take(`resync:${e.symbol}`);
    if (suppressed !== undefined) ctx.event('resync', { symbol: e.symbol, reason: e.reason, count: e.count, suppressed });
  });
  client.on('error', (err) => {
    ctx.count('errors');
    const suppressed = limiter.take(`error:${err.kind}`);
    if (suppressed !== undefined) {
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
    const window = latency.drain();
    if (window) {
      ctx.gauge('event_latency_ms', window.p50);
      ctx.gauge('event_latency_ms.p99', window.p99);
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
