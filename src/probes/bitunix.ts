// Options of the `bitunix` probe: the HEDGE-mode adaptive-limit executor. Durations accept
// "5s", "250ms" or a number of ms and come out as ms numbers under the same keys, so parsing an
// already-parsed block gives the same block (the worker re-parses what the supervisor sends).
import { z } from 'zod';
import { duration } from '../shared/fields.ts';
import { moduleFile } from '../shared/module-file.ts';
import type { MetricDecl, ProbeKindDescriptor } from './types.ts';

export const kind = 'bitunix';
/** The venue (simulator and live endpoints) this kind talks to. */
export const simulator = 'bitunix';
/** What workers/bitunix.ts reports (thresholds may name these). */
export const counterDecls: readonly MetricDecl[] = [
  { name: 'requests', meaning: 'HTTP attempts, retries included' },
  { name: 'errors', meaning: 'failed HTTP attempts, stream errors and internal errors' },
  { name: 'errors.*', meaning: 'errors by cause: http5xx, http, rate_limit, timeout, network, auth, reject, parse, ws, internal' },
  { name: 'operations', meaning: 'REST operations the executor asked for (retries of one are one): error_rate\'s denominator' },
  { name: 'operations_failed', meaning: 'operations that finally failed: error_rate\'s numerator (README "Error rate")' },
  { name: 'orders.placed', meaning: 'orders placed' },
  { name: 'orders.modified', meaning: 'orders modified (price or quantity moved)' },
  { name: 'orders.cancelled', meaning: 'orders cancelled' },
  { name: 'orders.*', meaning: 'also filled, lost, adopted' },
  { name: 'fills', meaning: 'fills of the entry orders seen (a partial fill counts, each once)' },
  { name: 'fill_closes', meaning: 'reduce-only closes sent for them, so no position is left open' },
  { name: 'ws_reconnects', meaning: 'logical reconnects: one blip that drops both streams counts once' },
  { name: 'ws_reconnects.public', meaning: 'reconnects of the public stream' },
  { name: 'ws_reconnects.private', meaning: 'reconnects of the private stream' },
  { name: 'state.error_lock', meaning: 'times the executor entered ERROR_LOCK' },
  { name: 'stuck', meaning: 'states held longer than their limit' },
  { name: 'transitions', meaning: 'executor state transitions' },
  { name: 'state_ms.*', unit: 'ms', meaning: 'time spent per executor state, e.g. state_ms.WORKING' },
];
/** `state` is the index in EXECUTOR_STATES (INIT 0 … ERROR_LOCK 8, STOPPED 9). */
export const gaugeDecls: readonly MetricDecl[] = [
  { name: 'latency_ms.p50', unit: 'ms', meaning: 'REST round trip, median of the last interval' },
  { name: 'latency_ms.p99', unit: 'ms', meaning: 'REST round trip, p99 of the last interval' },
  { name: 'state', meaning: 'executor state index (INIT 0 … ERROR_LOCK 8, STOPPED 9)' },
  { name: 'error_rate', meaning: 'operations_failed ÷ operations so far' },
];
export const counters = counterDecls.map((d) => d.name);
export const gauges = gaugeDecls.map((d) => d.name);

const STATES = ['STARTING', 'PLACING', 'WORKING', 'MODIFYING', 'CANCELLING', 'RECONCILING', 'IDLE'] as const;

const decimalString = z
  .union([z.string(), z.number()])
  .transform((value) => String(value).trim())
  .refine((value) => /^\d+(\.\d+)?$/.test(value) && Number(value) > 0, 'expected a positive decimal like "0.0001"');

export const optionsSchema = z
  .object({
    /** USDT-M futures symbol. */
    symbol: z.string().regex(/^[A-Z0-9]+$/, 'expected an upper-case symbol like BTCUSDT').default('BTCUSDT'),
    /** Side of the resting OPEN order (HEDGE mode: BUY opens long, SELL opens short). */
    side: z
      .string()
      .transform((s) => s.toUpperCase())
      .pipe(z.enum(['BUY', 'SELL']))
      .default('BUY'),
    /** Fixed order quantity in base coin, sent as a string ("0.0001" BTC is the venue minimum). */
    qty: decimalString.default('0.0001'),
    /** Fraction AWAY from the market: 0.0005 = 0.05 % below the bid for a BUY. */
    offset: z.number().min(0).max(0.5).default(0.0005),
    /** How often the entry price is recomputed (ms after parsing). */
    tick: duration.default(5000),
    /** JSON ping period on both streams (≤ 10 s is safe on the live venue). */
    wsPingInterval: duration.default(5000),
    /** Silence on a stream longer than this is a dead link (default 3 pings). */
    wsIdleTimeout: duration.optional(),
    /** Per HTTP request. */
    requestTimeout: duration.default(5000),
    /** Retries of an ambiguous failure for idempotent calls (GETs, cancels). */
    maxRetries: z.number().int().min(0).max(10).default(3),
    /** Per-state limits before a `stuck` event, e.g. `{ RECONCILING: "20s" }`. */
    stateTimeouts: z.partialRecord(z.enum(STATES), duration).default({}),
    /** A modify not confirmed by a push within this long is checked over REST. */
    modifyConfirmTimeout: duration.optional(),
    /** WS prices older than this are replaced by a REST depth read (default 2 ticks, ≥ 2 s). */
    priceStale: duration.optional(),
    /** A working order is re-checked over REST at least this often, even when all looks fine. */
    verifyInterval: duration.default(30_000),
    /** Switch the account to HEDGE at start when it is not (20009 → ERROR_LOCK). */
    setPositionMode: z.boolean().default(true),
    marginCoin: z.string().default('USDT'),
    /** Use the public stream for the price (else REST depth every tick). */
    publicStream: z.boolean().default(true),
    /** Use the private stream to confirm modifies and notice server-side changes. */
    privateStream: z.boolean().default(true),
    reconnectMin: duration.default(500),
    reconnectMax: duration.default(30_000),
    /** Stream drops starting within this long of each other are one reconnect in `ws_reconnects`. */
    reconnectWindow: duration.default(10_000),
    clientIdPrefix: z
      .string()
      .regex(/^[A-Za-z0-9]{1,8}$/, 'expected 1–8 letters or digits')
      .default('xs'),
  })
  .strict();

export type BitunixProbeOptions = z.output<typeof optionsSchema>;
export type BitunixProbeOptionsInput = z.input<typeof optionsSchema>;

/**
 * For `exsoak bisect`: the executor with REST only, then with each stream alone, so a leak can be
 * pinned on the REST path, the public (market) stream or the private (order) stream.
 */
export function bisectVariants(options: Record<string, unknown>): { label: string; options: Record<string, unknown> }[] {
  optionsSchema.parse(options);
  return [
    { label: 'rest-only', options: { ...options, publicStream: false, privateStream: false } },
    { label: 'publicStream-only', options: { ...options, publicStream: true, privateStream: false } },
    { label: 'privateStream-only', options: { ...options, publicStream: false, privateStream: true } },
  ];
}

export const descriptor: ProbeKindDescriptor = {
  kind,
  summary: 'Bitunix HEDGE adaptive-limit executor: signed REST, public and private streams',
  optionsSchema,
  counters: counterDecls,
  gauges: gaugeDecls,
  venue: simulator,
  runner: { type: 'worker', file: moduleFile('../../workers/bitunix.ts', import.meta.url) },
  bisectVariants,
};
