// Tolerant readers for what Bitunix actually sends. The docs and live traffic disagree in small
// ways: `msg` vs `message`, "result.success", `data` as an object where a list
// is documented, "Buy" for "BUY", ISO strings for ms. Everything here accepts both.
import { BitunixApiError, BitunixError } from './errors.ts';
import type {
  Account,
  BookTop,
  CancelResult,
  Order,
  OrderEvent,
  Position,
  PositionMode,
  Side,
  Ticker,
  TradingPair,
} from './types.ts';

export interface Envelope {
  code: number;
  msg: string;
  data: unknown;
}

type Obj = Record<string, unknown>;

export function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the `{code,msg,data}` envelope; throws a typed error for non-zero codes. */
export function readEnvelope(endpoint: string, text: string, status = 200): Envelope {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BitunixError(`Bitunix ${endpoint}: answer is not JSON (HTTP ${status}, ${text.length} bytes)`, {
      kind: 'parse',
      endpoint,
      status,
      ambiguous: true,
    });
  }
  if (!isObject(json)) {
    throw new BitunixError(`Bitunix ${endpoint}: answer is not an object (HTTP ${status})`, {
      kind: 'parse',
      endpoint,
      status,
      ambiguous: true,
    });
  }
  const msg = str(json.msg) ?? str(json.message) ?? '';
  let code = num(json.code);
  if (code === undefined) {
    // Some gateways answer `{success:true,data}` with no code at all.
    if (json.success === true || /success/i.test(msg)) code = 0;
    else if (json.success === false) code = -1;
    else {
      throw new BitunixError(`Bitunix ${endpoint}: answer has no code (HTTP ${status})`, {
        kind: 'parse',
        endpoint,
        status,
        ambiguous: true,
      });
    }
  }
  if (code !== 0) throw new BitunixApiError(endpoint, code, msg, status);
  return { code, msg, data: json.data };
}

export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** A list wherever the docs show one, whether the wire sent a list, one object, or nothing. */
export function asList(data: unknown, ...keys: string[]): unknown[] {
  if (Array.isArray(data)) return data;
  if (isObject(data)) {
    for (const key of keys) {
      const inner = data[key];
      if (Array.isArray(inner)) return inner;
    }
    return keys.length > 0 && keys.some((k) => k in data) ? [] : [data];
  }
  return [];
}

/** One object wherever the docs show one, taking the first element of a list. */
function asObject(data: unknown): Obj | undefined {
  if (Array.isArray(data)) return data.find(isObject);
  return isObject(data) ? data : undefined;
}

/** "Buy" / "buy" / "BUY" / "bid" → BUY. */
export function parseSide(value: unknown): Side | undefined {
  const s = str(value)?.trim().toUpperCase();
  if (s === 'BUY' || s === 'BID' || s === 'B') return 'BUY';
  if (s === 'SELL' || s === 'ASK' || s === 'S') return 'SELL';
  return undefined;
}

/** ms since epoch from ms, seconds, numeric strings or ISO strings. */
export function parseTime(value: unknown): number | undefined {
  const n = num(value);
  if (n !== undefined) return n < 1e11 ? n * 1000 : n;
  const s = str(value);
  if (s) {
    const t = Date.parse(s);
    if (Number.isFinite(t)) return t;
  }
  return undefined;
}

function upper(value: unknown): string | undefined {
  return str(value)?.trim().toUpperCase();
}

function positionMode(value: unknown): PositionMode | undefined {
  const s = upper(value)?.replace(/[-\s]/g, '_');
  if (s === 'HEDGE' || s === 'HEDGE_MODE') return 'HEDGE';
  if (s === 'ONE_WAY' || s === 'ONEWAY' || s === 'ONE_WAY_MODE') return 'ONE_WAY';
  return undefined;
}

function orderTypeOf(value: unknown): Order['orderType'] {
  const s = upper(value);
  return s === 'LIMIT' || s === 'MARKET' ? s : undefined;
}

export function parseOrder(raw: unknown): Order | undefined {
  if (!isObject(raw)) return undefined;
  const orderId = str(raw.orderId) ?? str(raw.id);
  if (!orderId) return undefined;
  const order: Order = { orderId };
  const clientId = str(raw.clientId) ?? str(raw.clientOrderId);
  if (clientId) order.clientId = clientId;
  const symbol = str(raw.symbol);
  if (symbol) order.symbol = symbol;
  const side = parseSide(raw.side);
  if (side) order.side = side;
  const tradeSide = upper(raw.tradeSide);
  if (tradeSide === 'OPEN' || tradeSide === 'CLOSE') order.tradeSide = tradeSide;
  const orderType = orderTypeOf(raw.orderType ?? raw.type);
  if (orderType) order.orderType = orderType;
  const effect = upper(raw.effect);
  if (effect) order.effect = effect;
  const price = str(raw.price);
  if (price !== undefined) order.price = price;
  const qty = str(raw.qty);
  if (qty !== undefined) order.qty = qty;
  const tradeQty = str(raw.tradeQty) ?? str(raw.dealAmount);
  if (tradeQty !== undefined) order.tradeQty = tradeQty;
  const status = upper(raw.status ?? raw.orderStatus);
  if (status) order.status = status === 'CANCELLED' ? 'CANCELED' : status;
  const mode = positionMode(raw.positionMode);
  if (mode) order.positionMode = mode;
  const reduceOnly = bool(raw.reduceOnly ?? raw.reductionOnly);
  if (reduceOnly !== undefined) order.reduceOnly = reduceOnly;
  const ctime = parseTime(raw.ctime ?? raw.createTime);
  if (ctime !== undefined) order.ctime = ctime;
  const mtime = parseTime(raw.mtime ?? raw.updateTime);
  if (mtime !== undefined) order.mtime = mtime;
  return order;
}

export function parseOrderEvent(raw: unknown): OrderEvent | undefined {
  const order = parseOrder(raw);
  if (!order || !isObject(raw)) return order;
  const event = upper(raw.event);
  return event ? { ...order, event } : order;
}

export function parseOrders(data: unknown): Order[] {
  return asList(data, 'orderList', 'list', 'orders').map(parseOrder).filter((o): o is Order => o !== undefined);
}

export function parsePosition(raw: unknown): Position | undefined {
  if (!isObject(raw)) return undefined;
  const positionId = str(raw.positionId) ?? str(raw.id);
  if (!positionId) return undefined;
  const position: Position = { positionId };
  const symbol = str(raw.symbol);
  if (symbol) position.symbol = symbol;
  const side = upper(raw.side);
  if (side === 'LONG' || side === 'BUY') position.side = 'LONG';
  if (side === 'SHORT' || side === 'SELL') position.side = 'SHORT';
  const qty = str(raw.qty);
  if (qty !== undefined) position.qty = qty;
  const avg = str(raw.avgOpenPrice) ?? str(raw.entryPrice);
  if (avg !== undefined) position.avgOpenPrice = avg;
  const mode = positionMode(raw.positionMode);
  if (mode) position.positionMode = mode;
  const event = upper(raw.event);
  if (event) position.event = event;
  return position;
}

export function parseAccount(data: unknown): Account | undefined {
  const raw = asObject(data);
  if (!raw) return undefined;
  const account: Account = { raw };
  const marginCoin = str(raw.marginCoin);
  if (marginCoin) account.marginCoin = marginCoin;
  const available = str(raw.available);
  if (available !== undefined) account.available = available;
  const mode = positionMode(raw.positionMode);
  if (mode) account.positionMode = mode;
  return account;
}

export function parsePositionMode(data: unknown): PositionMode | undefined {
  return positionMode(asObject(data)?.positionMode);
}

export function parseTradingPair(raw: unknown): TradingPair | undefined {
  if (!isObject(raw)) return undefined;
  const symbol = str(raw.symbol);
  if (!symbol) return undefined;
  const pair: TradingPair = {
    symbol,
    basePrecision: num(raw.basePrecision) ?? 4,
    quotePrecision: num(raw.quotePrecision) ?? 2,
  };
  const base = str(raw.base);
  if (base) pair.base = base;
  const quote = str(raw.quote);
  if (quote) pair.quote = quote;
  const minTradeVolume = str(raw.minTradeVolume);
  if (minTradeVolume !== undefined) pair.minTradeVolume = minTradeVolume;
  const status = str(raw.symbolStatus);
  if (status) pair.symbolStatus = status;
  const scope = str(raw.priceProtectScope);
  if (scope !== undefined) pair.priceProtectScope = scope;
  return pair;
}

export function parseTicker(raw: unknown): Ticker | undefined {
  if (!isObject(raw)) return undefined;
  const symbol = str(raw.symbol) ?? str(raw.s);
  if (!symbol) return undefined;
  const ticker: Ticker = { symbol };
  const last = str(raw.lastPrice) ?? str(raw.last) ?? str(raw.la);
  if (last !== undefined) ticker.lastPrice = last;
  const mark = str(raw.markPrice) ?? str(raw.mp);
  if (mark !== undefined) ticker.markPrice = mark;
  return ticker;
}

/** First level of a book side given as `[[price, qty], …]` or `[{price, volume}, …]`. */
function topLevel(levels: unknown): string | undefined {
  if (!Array.isArray(levels) || levels.length === 0) return undefined;
  const first = levels[0];
  if (Array.isArray(first)) return str(first[0]);
  if (isObject(first)) return str(first.price) ?? str(first.p);
  return undefined;
}

/** Best bid/ask from a REST depth answer or a `depth_book*` push. */
export function parseBookTop(data: unknown, fallbackTs: number): BookTop | undefined {
  const raw = asObject(data);
  if (!raw) return undefined;
  const bid = topLevel(raw.bids ?? raw.b);
  const ask = topLevel(raw.asks ?? raw.a);
  if (bid === undefined && ask === undefined) return undefined;
  const top: BookTop = { ts: parseTime(raw.ts) ?? fallbackTs };
  if (bid !== undefined) top.bid = bid;
  if (ask !== undefined) top.ask = ask;
  const symbol = str(raw.symbol);
  if (symbol) top.symbol = symbol;
  return top;
}

export function parseCancelResult(data: unknown): CancelResult {
  const raw = asObject(data) ?? {};
  const entry = (item: unknown) => {
    const o = isObject(item) ? item : {};
    const out: CancelResult['failureList'][number] = {};
    const orderId = str(o.orderId) ?? str(o.id);
    if (orderId) out.orderId = orderId;
    const clientId = str(o.clientId);
    if (clientId) out.clientId = clientId;
    const errorCode = num(o.errorCode);
    if (errorCode !== undefined) out.errorCode = errorCode;
    const errorMsg = str(o.errorMsg);
    if (errorMsg !== undefined) out.errorMsg = errorMsg;
    return out;
  };
  return {
    successList: asList(raw.successList).map(entry),
    failureList: asList(raw.failureList).map(entry),
  };
}
