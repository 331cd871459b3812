// How a `bitunix` probe's options are validated: the HEDGE-mode adaptive-limit executor.
// Durations accept "5s", "250ms" or a number of ms and come out as ms numbers under the same
// keys, so parsing an already-parsed block gives the same block (the worker re-parses what the
// supervisor sends).
import { z } from 'zod';
import { duration } from '../../shared/fields.ts';
import type { ProbeKindValidation } from '../types.ts';

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

export const validation: ProbeKindValidation = { optionsSchema };
