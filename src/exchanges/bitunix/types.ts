// Normalised shapes the client hands out. The wire is looser (see parse.ts): these are what a
// caller can rely on after tolerant parsing.

export type Side = 'BUY' | 'SELL';
export type TradeSide = 'OPEN' | 'CLOSE';
export type OrderType = 'LIMIT' | 'MARKET';
export type Effect = 'GTC' | 'POST_ONLY' | 'IOC' | 'FOK';
export type PositionMode = 'HEDGE' | 'ONE_WAY';

/** Documented statuses plus the live extras; unknown strings pass through upper-cased. */
export type OrderStatus =
  | 'INIT'
  | 'NEW'
  | 'PART_FILLED'
  | 'CANCELED'
  | 'FILLED'
  | 'PART_FILLED_CANCELED'
  | 'EXPIRED'
  | 'SYSTEM_CANCELED'
  | (string & {});

export interface Order {
  orderId: string;
  clientId?: string;
  symbol?: string;
  side?: Side;
  tradeSide?: TradeSide;
  orderType?: OrderType;
  effect?: string;
  price?: string;
  qty?: string;
  tradeQty?: string;
  status?: OrderStatus;
  positionMode?: PositionMode;
  reduceOnly?: boolean;
  /** ms since epoch */
  ctime?: number;
  mtime?: number;
}

/** A push on the private `order` channel. */
export interface OrderEvent extends Order {
  /** CREATE | UPDATE | CLOSE */
  event?: string;
}

export interface Position {
  positionId: string;
  symbol?: string;
  side?: 'LONG' | 'SHORT';
  qty?: string;
  avgOpenPrice?: string;
  positionMode?: PositionMode;
  event?: string;
}

export interface Account {
  marginCoin?: string;
  available?: string;
  positionMode?: PositionMode;
  raw: Record<string, unknown>;
}

export interface TradingPair {
  symbol: string;
  base?: string;
  quote?: string;
  minTradeVolume?: string;
  /** decimals of the quantity */
  basePrecision: number;
  /** decimals of the price */
  quotePrecision: number;
  symbolStatus?: string;
  priceProtectScope?: string;
}

export interface Ticker {
  symbol: string;
  lastPrice?: string;
  markPrice?: string;
}

export interface BookTop {
  symbol?: string;
  bid?: string;
  ask?: string;
  /** exchange time (ms) when known, else receive time */
  ts: number;
}

export interface PlaceOrderRequest {
  symbol: string;
  side: Side;
  qty: string;
  price?: string;
  tradeSide?: TradeSide;
  positionId?: string;
  orderType: OrderType;
  effect?: Effect;
  clientId?: string;
  reduceOnly?: boolean;
}

export interface OrderAck {
  orderId: string;
  clientId?: string;
  /** True when the ack was recovered by looking the clientId up after an ambiguous failure. */
  recovered?: boolean;
}

export interface CancelResult {
  successList: Array<{ orderId?: string; clientId?: string }>;
  failureList: Array<{ orderId?: string; clientId?: string; errorCode?: number; errorMsg?: string }>;
}

const LIVE = new Set(['INIT', 'NEW', 'NEW_', 'PART_FILLED']);
const DONE = new Set(['CANCELED', 'CANCELLED', 'FILLED', 'PART_FILLED_CANCELED', 'EXPIRED', 'SYSTEM_CANCELED']);

/** Whether an order in this status can still rest on the book. Unknown statuses count as live. */
export function isLiveStatus(status: string | undefined): boolean {
  if (status === undefined) return true;
  if (LIVE.has(status)) return true;
  return !DONE.has(status);
}

export function isFilledStatus(status: string | undefined): boolean {
  return status === 'FILLED';
}
