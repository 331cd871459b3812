// The `bitunix` probe: runs the HEDGE-mode adaptive-limit executor against task.endpoints
// (`rest`, `wsPublic`, `wsPrivate`) and reports what it sees. Counter, gauge and event names are
// a contract with the verdict engine: requests, errors, errors.<kind> (per HTTP attempt and per
// stream error), operations, operations_failed (what error_rate divides), orders.placed|modified|
// cancelled|filled, fills, fill_closes, ws_reconnects (logical episodes), ws_reconnects.public|
// private, state.error_lock, stuck, transitions, state_ms.<STATE>; gauges latency_ms.p50|p99,
// state, error_rate; events state, stuck, error, connect, disconnect, fill, fill_close.
import { isMainThread } from 'node:worker_threads';
import { BitunixCredentials } from '../src/exchanges/bitunix/signer.ts';
import { BitunixRest, type RestObservation } from '../src/exchanges/bitunix/rest.ts';
import { BitunixWs } from '../src/exchanges/bitunix/ws.ts';
import { observeOperations } from '../src/exchanges/bitunix/operations.ts';
import { ReconnectEpisodes } from '../src/exchanges/bitunix/reconnect-episodes.ts';
import { HedgeLimitExecutor } from '../src/exchanges/bitunix/executor/executor.ts';
import { EXECUTOR_STATES, executorStateIndex, type ExecutorState } from '../src/exchanges/bitunix/executor/state-machine.ts';
import type { BitunixProbeOptions } from '../src/probes/validation/bitunix.ts';
import { LatencyHistogram } from './lib/latency.ts';
import { EventLimiter } from './lib/event-limiter.ts';
import { defineProbe, type ProbeContext } from './lib/probe.ts';

/** The simulator's documented test credentials (a fixture, not a secret; see src/sim/bitunix/README.md). */
const SIM_TEST_PAIR = { apiKey: 'exsoak-sim-bitunix-test-key', apiSecret: 'exsoak-sim-bitunix-test-secret' } as const;

/** A storm of failures must not flood events.ndjson: the counters keep the exact numbers. */
const ERROR_EVENTS_PER_SEC = 20;

export default defineProbe((ctx) => runBitunixProbe(ctx));

export async function runBitunixProbe(ctx: ProbeContext): Promise<void> {
  const task = ctx;
  const options = task.options as BitunixProbeOptions;
  const endpoints = task.endpoints ?? {};
  const restUrl = endpoints.rest;
  if (!restUrl) throw new Error('bitunix probe: task.endpoints.rest is missing');

  let credentials: BitunixCredentials | undefined;
  const configured = !!process.env.BITUNIX_API_KEY || !!process.env.BITUNIX_API_SECRET;
  try {
    credentials = BitunixCredentials.fromEnv(process.env);
  } catch (err) {
    ctx.event('error', { kind: 'auth', message: (err as Error).message });
  }
  // A worker's process.env is its own copy, a JS object in its heap: once the signer holds the
  // secret (outside the heap), the string must not stay there for a heap snapshot to catch.
  if (!isMainThread) delete process.env.BITUNIX_API_SECRET;
  // The simulator accepts its published test pair when no key is configured (src/sim/bitunix
  // README); those strings open no real account, and they are never used against a live target.
  if (!credentials && task.target === 'sim' && !configured) {
    credentials = new BitunixCredentials(SIM_TEST_PAIR.apiKey, SIM_TEST_PAIR.apiSecret);
  }

  // REST round trips on loopback are sub-millisecond: 0.1 ms resolution.
  const latency = new LatencyHistogram(0.1);
  const countError = (kind: string) => {
    ctx.count('errors');
    ctx.count(`errors.${kind}`);
  };
  const errorEvents = new EventLimiter(ERROR_EVENTS_PER_SEC);
  const errorEvent = (data: Record<string, unknown>) => {
    const suppressed = errorEvents.take('error');
    if (suppressed === undefined) return;
    ctx.event('error', suppressed > 0 ? { ...data, suppressed } : data);
  };
  const observe = (o: RestObservation) => {
    ctx.count('requests');
    latency.add(o.latencyMs);
    if (o.ok) return;
    const kind = o.error?.kind ?? 'http';
    countError(kind);
    // Every failed attempt, retried or not: the counters and the event log tell the same story.
    errorEvent({
      kind,
      endpoint: o.endpoint,
      attempt: o.attempt,
      ...(o.error?.code !== undefined ? { code: o.error.code } : {}),
      ...(o.status !== undefined ? { status: o.status } : {}),
      message: o.error?.message ?? `HTTP ${o.status}`,
    });
  };

  const rest = observeOperations(new BitunixRest({
    baseUrl: restUrl,
    ...(credentials ? { credentials } : {}),
    timeoutMs: options.requestTimeout,
    maxRetries: options.maxRetries,
    observer: observe,
  }), (o) => {
    ctx.count('operations');
    if (!o.ok) ctx.count('operations_failed');
  });

  const wsCommon = {
    pingIntervalMs: options.wsPingInterval,
    ...(options.wsIdleTimeout !== undefined ? { idleTimeoutMs: options.wsIdleTimeout } : {}),
    reconnectBaseMs: options.reconnectMin,
    reconnectMaxMs: options.reconnectMax,
  };
  const publicWs = options.publicStream && endpoints.wsPublic ? new BitunixWs({ url: endpoints.wsPublic, ...wsCommon }) : undefined;
  const privateWs =
    options.privateStream && endpoints.wsPrivate && credentials
      ? new BitunixWs({ url: endpoints.wsPrivate, credentials, ...wsCommon })
      : undefined;
  const episodes = new ReconnectEpisodes({ windowMs: options.reconnectWindow });
  for (const [channel, ws] of [
    ['public', publicWs],
    ['private', privateWs],
  ] as const) {
    if (!ws) continue;
    ws.on('open', ({ reconnect }) => {
      // One blip that drops both streams is one reconnect of the executor's link (#17 item 4).
      if (reconnect) {
        ctx.count(`ws_reconnects.${channel}`);
        if (episodes.reopened(channel)) ctx.count('ws_reconnects');
      }
      ctx.event('connect', { channel, reconnect });
    });
    ws.on('close', ({ code, reason, scheduled }) => {
      if (!scheduled) episodes.dropped(channel);
      ctx.event('disconnect', { channel, code, reason, scheduled });
    });
    ws.on('error', (err) => {
      const kind = err.kind === 'auth' ? 'auth' : 'ws';
      countError(kind);
      errorEvent({ kind, channel, ...(err.code !== undefined ? { code: err.code } : {}), message: err.message });
    });
    ws.on('fatal', (err) => ctx.log('error', `bitunix ${channel} stream gave up`, { message: err.message }));
  }

  const executor = new HedgeLimitExecutor({
    rest,
    publicWs,
    privateWs,
    symbol: options.symbol,
    side: options.side,
    qty: options.qty,
    offset: options.offset,
    tickMs: options.tick,
    marginCoin: options.marginCoin,
    setPositionMode: options.setPositionMode,
    stateTimeouts: options.stateTimeouts,
    ...(options.modifyConfirmTimeout !== undefined ? { modifyConfirmTimeoutMs: options.modifyConfirmTimeout } : {}),
    ...(options.priceStale !== undefined ? { priceStaleMs: options.priceStale } : {}),
    verifyIntervalMs: options.verifyInterval,
    clientIdPrefix: options.clientIdPrefix,
    signal: ctx.signal,
  });

  // state_ms.<STATE> is cumulative: report the growth since the last flush, the ongoing stay included.
  const reportedMs = new Map<ExecutorState, number>();
  const flushStateTime = () => {
    for (const state of EXECUTOR_STATES) {
      const total = Math.floor(executor.machine.timeIn(state));
      const delta = total - (reportedMs.get(state) ?? 0);
      if (delta > 0) {
        ctx.count(`state_ms.${state}`, delta);
        reportedMs.set(state, total);
      }
    }
  };
  const updateGauges = () => {
    flushStateTime();
    ctx.gauge('state', executorStateIndex(executor.state));
    const operations = ctx.counter('operations');
    ctx.gauge('error_rate', operations > 0 ? ctx.counter('operations_failed') / operations : 0);
    const window = latency.drain();
    if (window) {
      ctx.gauge('latency_ms.p50', round(window.p50));
      ctx.gauge('latency_ms.p99', round(window.p99));
    }
  };

  executor.on('transition', (t) => {
    ctx.count('transitions');
    if (t.to === 'ERROR_LOCK') ctx.count('state.error_lock');
    ctx.gauge('state', executorStateIndex(t.to));
    ctx.event('state', { from: t.from, to: t.to, reason: t.reason, heldMs: t.heldMs });
    // ERROR_LOCK is left only by stopping: the run learns at once instead of idling for hours.
    if (t.to === 'ERROR_LOCK') ctx.fatal(`ERROR_LOCK: ${t.reason}`, { state: 'ERROR_LOCK' });
    flushStateTime();
  });
  executor.on('stuck', (s) => {
    ctx.count('stuck');
    ctx.event('stuck', { state: s.state, heldMs: s.heldMs, limitMs: s.limitMs, reason: s.reason });
  });
  // orders.placed / .modified / .cancelled are the contract; .filled / .lost / .adopted are extras.
  executor.on('order', (o) => ctx.count(`orders.${o.action}`));
  // "No real fills": a fill is counted and closed at once; both are recorded (#17 item 6).
  executor.on('fill', (f) => {
    if (f.phase === 'fill') {
      ctx.count('fills');
      ctx.event('fill', { orderId: f.orderId, qty: f.qty });
    } else {
      if (!f.skipped) ctx.count('fill_closes');
      ctx.event('fill_close', { orderId: f.orderId, qty: f.qty, positionId: f.positionId, ...(f.skipped ? { skipped: f.skipped } : {}) });
    }
  });
  executor.on('error', (e) => {
    // Request failures are counted and logged per attempt by the REST observer, and an
    // ERROR_LOCK is a `state` event with its reason: what is left here is a leftover or a bug.
    if (e.kind !== 'internal' || e.message.startsWith('ERROR_LOCK')) return;
    countError('internal');
    ctx.event('error', { kind: 'internal', op: e.op, message: e.message });
  });

  ctx.gauge('state', executorStateIndex(executor.state));
  const timer = setInterval(updateGauges, Math.max(50, task.reportIntervalMs));
  try {
    await executor.start();
  } finally {
    clearInterval(timer);
    updateGauges();
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
