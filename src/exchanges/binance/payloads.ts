// Event payload shapes as documented, and the cheap checks that stand between the wire and the
// consumer. Checks look only at the fields this client relies on (ids for sequencing, event time
// for latency, the book arrays), so a new field upstream never turns into a malformed count.
import type { Market, StreamKind } from './streams.ts';

export interface TradeEvent {
  e: 'trade';
  E: number;
  s: string;
  t: number;
  p: string;
  q: string;
  T: number;
  m: boolean;
}

export interface AggTradeEvent {
  e: 'aggTrade';
  E: number;
  s: string;
  a: number;
  p: string;
  q: string;
  f: number;
  l: number;
  T: number;
  m: boolean;
}

/** Spot bookTicker has no `e`/`E`; USD-M adds `e`, `E`, `T`. */
export interface BookTickerEvent {
  e?: 'bookTicker';
  E?: number;
  T?: number;
  u: number;
  s: string;
  b: string;
  B: string;
  a: string;
  A: string;
}

export type Level = [price: string, qty: string];

/** USD-M adds `T` and `pu` (the previous event's `u`). */
export interface DepthUpdateEvent {
  e: 'depthUpdate';
  E: number;
  T?: number;
  s: string;
  U: number;
  u: number;
  pu?: number;
  b: Level[];
  a: Level[];
}

/** Spot partial depth; USD-M partial depth is shaped like a depthUpdate instead. */
export interface PartialDepthEvent {
  lastUpdateId: number;
  bids: Level[];
  asks: Level[];
}

export interface KlineEvent {
  e: 'kline';
  E: number;
  s: string;
  k: { t: number; T: number; s: string; i: string; o: string; c: string; h: string; l: string; v: string; x: boolean; [field: string]: unknown };
}

export interface MiniTickerEvent {
  e: '24hrMiniTicker';
  E: number;
  s: string;
  c: string;
  o: string;
  h: string;
  l: string;
  v: string;
  q: string;
}

export interface MarkPriceEvent {
  e: 'markPriceUpdate';
  E: number;
  s: string;
  p: string;
  [field: string]: unknown;
}

interface GenericEvent {
  e?: string;
  E?: number;
  [field: string]: unknown;
}

export type MarketEvent =
  | TradeEvent
  | AggTradeEvent
  | BookTickerEvent
  | DepthUpdateEvent
  | PartialDepthEvent
  | KlineEvent
  | MiniTickerEvent
  | MarkPriceEvent
  | GenericEvent;

export interface DepthSnapshot {
  lastUpdateId: number;
  bids: Level[];
  asks: Level[];
}

// `any` is deliberate below: these run per message on freshly parsed JSON, and each check is a
// plain property read with no intermediate objects.
function num(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * Sequence ids: a double beyond 2^53 cannot be compared exactly, and one absurd id (`1e300`) taken
 * as the high-water mark would turn every later event into a "duplicate" (#18 item 12).
 */
function id(v: unknown): boolean {
  return Number.isSafeInteger(v);
}

function str(v: unknown): boolean {
  return typeof v === 'string';
}

/** Whether `d` has the fields this client needs for a stream of `kind`. */
export function isValidPayload(kind: StreamKind, d: any, market: Market): boolean {
  switch (kind) {
    case 'trade':
      return d.e === 'trade' && num(d.E) && id(d.t) && str(d.p) && str(d.q);
    case 'aggTrade':
      return d.e === 'aggTrade' && num(d.E) && id(d.a) && str(d.p) && str(d.q);
    case 'bookTicker':
      return id(d.u) && str(d.s) && str(d.b) && str(d.a);
    case 'depth':
      return (
        d.e === 'depthUpdate' &&
        num(d.E) &&
        id(d.U) &&
        id(d.u) &&
        Array.isArray(d.b) &&
        Array.isArray(d.a) &&
        (market === 'spot' || id(d.pu))
      );
    case 'depthN':
      return d.lastUpdateId !== undefined
        ? id(d.lastUpdateId) && Array.isArray(d.bids) && Array.isArray(d.asks)
        : id(d.u) && Array.isArray(d.b) && Array.isArray(d.a);
    case 'kline':
      return d.e === 'kline' && num(d.E) && d.k !== null && typeof d.k === 'object' && num(d.k.t) && str(d.k.i);
    case 'miniTicker':
      return d.e === '24hrMiniTicker' && num(d.E) && str(d.c);
    case 'ticker':
      return typeof d.e === 'string' && num(d.E);
    case 'markPrice':
      return d.e === 'markPriceUpdate' && num(d.E) && str(d.p);
    case 'other':
      return true;
  }
}

export function isValidSnapshot(d: any): d is DepthSnapshot {
  return d !== null && typeof d === 'object' && num(d.lastUpdateId) && Array.isArray(d.bids) && Array.isArray(d.asks);
}
