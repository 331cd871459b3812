// How a `binance` probe's options are validated. Durations accept "5s", "23h50m" or a number of
// ms and come out as ms numbers under the same keys, so parsing an already-parsed block gives the
// same block (the worker re-parses what the supervisor sends). `maxReconnectAttempts: unlimited`
// comes out as Infinity for the same reason.
import { z } from 'zod';
import { isKnownStreamType } from '../../exchanges/binance/streams.ts';
import { duration } from '../../shared/fields.ts';
import type { ProbeKindValidation } from '../types.ts';

const streamType = z
  .string()
  .refine(isKnownStreamType, {
    message:
      'expected a stream type like trade, aggTrade, bookTicker, depth, depth@100ms, depth5, depth10@100ms, kline_1m, miniTicker, ticker, markPrice',
  });

/** A duration, or `off` / 0 to disable the mechanism. */
const durationOrOff = z.union([z.literal('off').transform(() => 0), duration]);

const attempts = z.union([
  z.literal('unlimited').transform(() => Infinity),
  z.number().int().nonnegative(),
  // What `unlimited` parses to, so a parsed block parses again unchanged.
  z.custom<number>((value) => value === Infinity, 'expected a non-negative integer or "unlimited"'),
]);

export const optionsSchema = z
  .object({
    /** `spot` (stream.binance.com) or `usdm` (fstream.binance.com, routed /public + /market). */
    market: z.enum(['spot', 'usdm']).default('spot'),
    symbols: z
      .array(z.string().regex(/^[A-Za-z0-9]{2,30}$/, 'expected a symbol like BTCUSDT'))
      .min(1)
      .default(['BTCUSDT', 'ETHUSDT', 'BNBUSDT']),
    /** Stream types subscribed for every symbol. */
    streams: z.array(streamType).min(1).default(['trade']),
    /** Full stream names added as they are, e.g. `!miniTicker@arr`. */
    extraStreams: z.array(z.string().min(1)).default([]),
    /** Subscribe in the connect URL, or by SUBSCRIBE frames once connected (paced). */
    subscribeVia: z.enum(['url', 'frames']).default('url'),
    /**
     * `exponential` (default): full-jitter backoff from `reconnectDelay` up to `maxReconnectDelay`,
     * which spreads a fleet apart after a shared outage. `fixed`: `reconnectDelay` every time, the
     * seed client's `reconnect_delay=5` (the connect limiter applies either way).
     */
    backoff: z.enum(['fixed', 'exponential']).default('exponential'),
    /** Base of the exponential reconnect backoff, or the fixed delay. */
    reconnectDelay: duration.default(5_000),
    /** Cap of the backoff. */
    maxReconnectDelay: duration.default(60_000),
    /** Consecutive failed reconnects before a connection gives up. */
    maxReconnectAttempts: attempts.default(Infinity),
    /** Connection attempts per window, across the probe's connections (Binance: 300 per 5 min per IP). */
    maxConnectAttempts: z.number().int().positive().default(300),
    connectWindow: duration.default(300_000),
    /** An open connection that delivers no stream data for this long is replaced; `off` disables. */
    silenceTimeout: durationOrOff.default(60_000),
    /** Rotate each connection (overlap, switch, close) before this age; `off` disables. */
    maxConnectionAge: durationOrOff.default(23 * 3_600_000 + 50 * 60_000),
    /** The venue's own limit: a server close at about this age counts as scheduled. */
    serverMaxConnectionAge: duration.default(24 * 3_600_000),
    /** Longest wait for a rotation's new socket to catch up with the old before switching anyway. */
    rotationOverlapMax: duration.default(10_000),
    /** Outgoing frames per second, pongs included (default: one under the venue's 5 spot / 10 USD-M). */
    maxMessagesPerSec: z.number().int().positive().optional(),
    maxStreamsPerConnection: z.number().int().min(1).max(1024).default(1024),
    maxStreamsPerRequest: z.number().int().positive().default(100),
    /** Diff-depth streams (`depth`, `depth@100ms`) keep a local order book from a REST snapshot. */
    depth: z
      .object({
        orderBook: z.boolean().default(true),
        /** REST snapshot size (default 5000 spot / 1000 USD-M). */
        snapshotLimit: z.number().int().positive().max(5000).optional(),
        /** Minimum spacing of snapshot requests per book. */
        minSnapshotInterval: duration.default(1_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type BinanceProbeOptions = z.output<typeof optionsSchema>;

export const validation: ProbeKindValidation = { optionsSchema };
