// The simulated account: its orders, positions and position mode, and the rules that turn a
// place/modify/cancel or a price move into fills. Everything here is synchronous and emits the
// account events (the future `order` and `position` pushes) in the order they happen.
import { CODE, fail, ok, type Result } from './codes.ts';
import { parseScaled, type Market } from './market.ts';

export type Side = 'BUY' | 'SELL';
type Effect = 'GTC' | 'POST_ONLY' | 'IOC' | 'FOK';
export type PositionMode = 'HEDGE' | 'ONE_WAY';
export type OrderStatus = 'NEW' | 'PART_FILLED' | 'FILLED' | 'CANCELED';
type PositionSide = 'LONG' | 'SHORT';

export interface Order {
  orderId: string;
  clientId: string;
  symbol: string;
  side: Side;
  tradeSide?: 'OPEN' | 'CLOSE';
  positionId?: string;
  orderType: 'LIMIT' | 'MARKET';
  effect: Effect;
  reduceOnly: boolean;
  priceTicks: number;
  qtyLots: number;
  tradeLots: number;
  avgTicks: number;
  status: OrderStatus;
  positionMode: PositionMode;
  ctime: number;
  mtime: number;
  fee: number;
  realizedPNL: number;
}

export interface Position {
  positionId: string;
  symbol: string;
  side: PositionSide;
  qtyLots: number;
  entryValue: number;
  realizedPNL: number;
  fee: number;
  ctime: number;
  mtime: number;
}

export type AccountEvent =
  | { ch: 'order'; event: 'CREATE' | 'UPDATE' | 'CLOSE'; order: Order }
  | { ch: 'position'; event: 'OPEN' | 'UPDATE' | 'CLOSE'; position: Position };

export interface OrderCounters {
  placed: number;
  rejected: number;
  modified: number;
  cancelled: number;
  cancelledBySystem: number;
  expired: number;
  filled: number;
  /** Fills that left the order open (PART_FILLED). */
  partialFills: number;
  forgotten: number;
}

export const LEVERAGE = 20;
const START_BALANCE = 100_000;
const MAKER_FEE = 0.0002;
const TAKER_FEE = 0.0006;

type Params = Record<string, unknown>;

function flip(side: Side): Side {
  return side === 'BUY' ? 'SELL' : 'BUY';
}

/**
 * Which way an order trades. In hedge mode `side` names the position (docs; ccxt maps a unified
 * sell-to-close-long to side BUY + tradeSide CLOSE), so a CLOSE order trades against its side.
 */
function direction(order: Pick<Order, 'side' | 'tradeSide'>): Side {
  return order.tradeSide === 'CLOSE' ? flip(order.side) : order.side;
}

/** Bitunix sends numbers as strings; a client that sends a JSON number is accepted the same way. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

export class Account {
  positionMode: PositionMode = 'HEDGE';
  modeLocked = false;
  readonly counters: OrderCounters = {
    placed: 0,
    rejected: 0,
    modified: 0,
    cancelled: 0,
    cancelledBySystem: 0,
    expired: 0,
    filled: 0,
    partialFills: 0,
    forgotten: 0,
  };
  private readonly open = new Map<string, Order>();
  private peak = 0;
  /** Terminal orders, oldest first, bounded so an 8 h run keeps flat memory. */
  private readonly history = new Map<string, Order>();
  private readonly byClientId = new Map<string, string>();
  private readonly positions = new Map<string, Position>();
  private nextOrder = 1;
  private nextPosition = 1;
  private realized = 0;
  private readonly market: Market;
  private readonly now: () => number;
  private readonly emit: (event: AccountEvent) => void;
  private readonly historyLimit: number;

  constructor(market: Market, now: () => number, emit: (event: AccountEvent) => void, historyLimit = 10_000) {
    this.market = market;
    this.now = now;
    this.emit = emit;
    this.historyLimit = historyLimit;
  }

  // ---- REST operations -------------------------------------------------------------------------

  place(p: Params): Result<{ orderId: string; clientId: string }> {
    const refused = (r: { ok: false; code: number; msg: string }) => {
      this.counters.rejected++;
      return r;
    };
    const symbol = text(p.symbol);
    if (!symbol) return refused(fail(CODE.PARAM, 'symbol is required'));
    const spec = this.market.spec(symbol);
    if (!spec) return refused(fail(CODE.MARKET_NOT_EXISTS));
    const side = text(p.side);
    if (side !== 'BUY' && side !== 'SELL') return refused(fail(CODE.PARAM, 'side must be BUY or SELL'));
    const orderType = text(p.orderType);
    if (orderType !== 'LIMIT' && orderType !== 'MARKET') return refused(fail(CODE.PARAM, 'orderType must be LIMIT or MARKET'));
    const effect = text(p.effect) ?? 'GTC';
    if (effect !== 'GTC' && effect !== 'POST_ONLY' && effect !== 'IOC' && effect !== 'FOK') {
      return refused(fail(CODE.PARAM, 'effect must be GTC, POST_ONLY, IOC or FOK'));
    }
    const reduceOnly = p.reduceOnly === true || p.reduceOnly === 'true';

    let tradeSide: 'OPEN' | 'CLOSE' | undefined;
    let positionId: string | undefined;
    if (this.positionMode === 'HEDGE') {
      const ts = text(p.tradeSide);
      if (ts !== 'OPEN' && ts !== 'CLOSE') return refused(fail(CODE.PARAM, 'tradeSide must be OPEN or CLOSE in hedge mode'));
      tradeSide = ts;
      if (ts === 'CLOSE') {
        positionId = text(p.positionId);
        if (!positionId) return refused(fail(CODE.PARAM, 'positionId is required when tradeSide is CLOSE'));
        const pos = this.positions.get(this.hedgeKey(symbol, side));
        if (!pos || pos.positionId !== positionId) return refused(fail(CODE.POSITION_NOT_EXIST));
      }
    } else if (reduceOnly) {
      const pos = this.positions.get(symbol);
      if (!pos) return refused(fail(CODE.REDUCE_ONLY_NO_POSITION));
      if ((pos.side === 'LONG') === (side === 'BUY')) return refused(fail(CODE.REDUCE_ONLY_SAME_DIRECTION));
    }

    const amounts = this.checkAmounts(
      symbol,
      text(p.qty),
      orderType === 'LIMIT' ? text(p.price) : undefined,
      tradeSide === 'CLOSE' ? flip(side) : side,
      orderType === 'LIMIT',
    );
    if (!amounts.ok) return refused(amounts);
    const clientId = text(p.clientId) ?? '';
    if (clientId && this.byClientId.has(clientId)) return refused(fail(CODE.DUPLICATE_CLIENT_ID));

    const now = this.now();
    const order: Order = {
      orderId: String(1_000_000_000 + this.nextOrder++),
      clientId,
      symbol,
      side,
      tradeSide,
      positionId,
      orderType,
      effect: orderType === 'MARKET' ? 'IOC' : effect,
      reduceOnly,
      priceTicks: amounts.data.priceTicks,
      qtyLots: amounts.data.qtyLots,
      tradeLots: 0,
      avgTicks: 0,
      status: 'NEW',
      positionMode: this.positionMode,
      ctime: now,
      mtime: now,
      fee: 0,
      realizedPNL: 0,
    };
    this.open.set(order.orderId, order);
    if (this.open.size > this.peak) this.peak = this.open.size;
    if (clientId) this.byClientId.set(clientId, order.orderId);
    this.counters.placed++;
    this.emitOrder('CREATE', order);
    this.settleAfterChange(order);
    return ok({ orderId: order.orderId, clientId: order.clientId });
  }

  modify(p: Params): Result<{ orderId: string; clientId: string }> {
    const found = this.find(text(p.orderId), text(p.clientId));
    if (!found.ok) return found;
    const order = found.data;
    if (!this.open.has(order.orderId)) return fail(CODE.ABNORMAL_ORDER_STATUS, `order is ${order.status}`);
    const qty = text(p.qty);
    const price = text(p.price);
    if (!qty || !price) return fail(CODE.PARAM, 'qty and price are both required');
    const amounts = this.checkAmounts(order.symbol, qty, price, direction(order), true);
    if (!amounts.ok) return amounts;
    order.priceTicks = amounts.data.priceTicks;
    order.qtyLots = amounts.data.qtyLots;
    order.mtime = this.now();
    this.counters.modified++;
    this.emitOrder('UPDATE', order);
    this.settleAfterChange(order);
    return ok({ orderId: order.orderId, clientId: order.clientId });
  }

  cancel(p: Params): Result<{ successList: Record<string, string>[]; failureList: Record<string, string>[] }> {
    const symbol = text(p.symbol);
    if (!symbol) return fail(CODE.PARAM, 'symbol is required');
    if (!Array.isArray(p.orderList) || p.orderList.length === 0) return fail(CODE.PARAM, 'orderList is required');
    const successList: Record<string, string>[] = [];
    const failureList: Record<string, string>[] = [];
    for (const item of p.orderList as unknown[]) {
      const ref = (item ?? {}) as Params;
      const orderId = text(ref.orderId);
      const clientId = text(ref.clientId);
      const found = this.find(orderId, clientId);
      if (!found.ok || found.data.symbol !== symbol) {
        failureList.push({ orderId: orderId ?? '', clientId: clientId ?? '', errorMsg: 'Order not found', errorCode: String(CODE.ORDER_NOT_FOUND) });
        continue;
      }
      const order = found.data;
      if (!this.open.has(order.orderId)) {
        failureList.push({ orderId: order.orderId, clientId: order.clientId, errorMsg: 'Order status error', errorCode: String(CODE.ABNORMAL_ORDER_STATUS) });
        continue;
      }
      this.close(order, 'CANCELED');
      this.counters.cancelled++;
      successList.push({ orderId: order.orderId, clientId: order.clientId });
    }
    return ok({ successList, failureList });
  }

  cancelAll(p: Params): Result<{ successList: Record<string, string>[]; failureList: Record<string, string>[] }> {
    const symbol = text(p.symbol);
    const successList: Record<string, string>[] = [];
    for (const order of [...this.open.values()]) {
      if (symbol && order.symbol !== symbol) continue;
      this.close(order, 'CANCELED');
      this.counters.cancelled++;
      successList.push({ orderId: order.orderId, clientId: order.clientId });
    }
    return ok({ successList, failureList: [] });
  }

  pending(q: Params): Result<{ orders: Order[]; total: number }> {
    const orderId = text(q.orderId);
    const clientId = text(q.clientId);
    if (orderId || clientId) {
      // Naming an order the account has never seen (or has forgotten) is "not found", not "none open".
      const found = this.find(orderId, clientId);
      if (!found.ok) return found;
    }
    const symbol = text(q.symbol);
    const status = text(q.status);
    const limit = Math.min(100, Math.max(1, Number(text(q.limit) ?? 10) || 10));
    const skip = Math.max(0, Number(text(q.skip) ?? 0) || 0);
    const matching = [...this.open.values()]
      .filter(
        (o) =>
          (!symbol || o.symbol === symbol) &&
          (!orderId || o.orderId === orderId) &&
          (!clientId || o.clientId === clientId) &&
          (!status || o.status === status),
      )
      .reverse(); // newest first, as the docs say
    return ok({ orders: matching.slice(skip, skip + limit), total: matching.length });
  }

  detail(q: Params): Result<Order> {
    return this.find(text(q.orderId), text(q.clientId));
  }

  openPositions(q: Params): Position[] {
    const symbol = text(q.symbol);
    const positionId = text(q.positionId);
    return [...this.positions.values()].filter((p) => (!symbol || p.symbol === symbol) && (!positionId || p.positionId === positionId));
  }

  changePositionMode(p: Params): Result<{ positionMode: PositionMode }[]> {
    const mode = text(p.positionMode);
    if (mode !== 'HEDGE' && mode !== 'ONE_WAY') return fail(CODE.PARAM, 'positionMode must be HEDGE or ONE_WAY');
    if (this.modeLocked) return fail(CODE.POSITION_MODE_LOCKED);
    if (mode !== this.positionMode && (this.open.size > 0 || this.positions.size > 0)) return fail(CODE.POSITION_MODE_LOCKED);
    this.positionMode = mode;
    return ok([{ positionMode: mode }]);
  }

  balance(): { available: number; frozen: number; margin: number; unrealized: number } {
    let frozen = 0;
    for (const o of this.open.values()) frozen += (this.value(o.symbol, o.priceTicks, o.qtyLots) / LEVERAGE);
    let margin = 0;
    let unrealized = 0;
    for (const p of this.positions.values()) {
      margin += p.entryValue / LEVERAGE;
      unrealized += this.unrealized(p);
    }
    return { available: START_BALANCE + this.realized - frozen - margin, frozen, margin, unrealized };
  }

  unrealized(p: Position): number {
    const spec = this.market.spec(p.symbol)!;
    const qty = p.qtyLots / 10 ** spec.basePrecision;
    const mark = this.market.price(p.symbol);
    const value = qty * mark;
    return p.side === 'LONG' ? value - p.entryValue : p.entryValue - value;
  }

  // ---- market -----------------------------------------------------------------------------------

  /** Fills every resting limit order the latest prices cross, at its own (maker) price. */
  onPrices(): void {
    for (const order of [...this.open.values()]) {
      if (order.orderType !== 'LIMIT') continue;
      const crossed =
        direction(order) === 'BUY'
          ? this.market.askTicks(order.symbol) <= order.priceTicks
          : this.market.bidTicks(order.symbol) >= order.priceTicks;
      if (crossed) this.fill(order, order.priceTicks, true);
    }
  }

  // ---- test hooks -------------------------------------------------------------------------------

  cancelBySystem(orderId: string): void {
    const order = this.mustOpen(orderId);
    this.close(order, 'CANCELED');
    this.counters.cancelledBySystem++;
  }

  /** Fills the order now at its own price: all that is left, or only `qty` of it (a partial fill). */
  fillNow(orderId: string, qty?: string): void {
    const order = this.mustOpen(orderId);
    let lots: number | undefined;
    if (qty !== undefined) {
      lots = parseScaled(qty, this.market.spec(order.symbol)!.basePrecision);
      const left = order.qtyLots - order.tradeLots;
      if (lots === undefined || lots <= 0 || lots > left) throw new Error(`cannot fill ${qty} of order ${orderId}: ${left} lots left`);
    }
    this.fill(order, order.orderType === 'LIMIT' ? order.priceTicks : this.market.bidTicks(order.symbol), true, lots);
  }

  forget(orderId: string): void {
    const order = this.open.get(orderId) ?? this.history.get(orderId);
    if (!order) throw new Error(`no order ${orderId}`);
    this.open.delete(orderId);
    this.history.delete(orderId);
    if (order.clientId) this.byClientId.delete(order.clientId);
    this.counters.forgotten++;
  }

  setMode(mode: PositionMode, locked: boolean): void {
    this.positionMode = mode;
    this.modeLocked = locked;
  }

  snapshot(): { open: Order[]; history: Order[]; positions: Position[] } {
    return {
      open: [...this.open.values()].map((o) => ({ ...o })),
      history: [...this.history.values()].map((o) => ({ ...o })),
      positions: [...this.positions.values()].map((p) => ({ ...p })),
    };
  }

  get openCount(): number {
    return this.open.size;
  }

  /** The most orders that were ever open at once (a client must never stack up working orders). */
  get openPeak(): number {
    return this.peak;
  }

  // ---- internals --------------------------------------------------------------------------------

  private checkAmounts(
    symbol: string,
    qty: string | undefined,
    price: string | undefined,
    side: Side,
    needPrice: boolean,
  ): Result<{ qtyLots: number; priceTicks: number }> {
    const spec = this.market.spec(symbol)!;
    if (!qty) return fail(CODE.PARAM, 'qty is required');
    const qtyLots = parseScaled(qty, spec.basePrecision);
    if (qtyLots === undefined) return fail(CODE.PARAM, `qty must be a positive decimal with at most ${spec.basePrecision} decimals`);
    if (qtyLots < parseScaled(spec.minTradeVolume, spec.basePrecision)!) return fail(CODE.QTY_TOO_SMALL, spec.minTradeVolume);
    if (qtyLots > parseScaled(spec.maxLimitOrderVolume, spec.basePrecision)!) return fail(CODE.MAX_ORDER_QTY);
    if (!needPrice) return ok({ qtyLots, priceTicks: 0 });
    if (!price) return fail(CODE.PARAM, 'price is required for LIMIT orders');
    const priceTicks = parseScaled(price, spec.quotePrecision);
    if (priceTicks === undefined || priceTicks <= 0) {
      return fail(CODE.PARAM, `price must be a positive decimal with at most ${spec.quotePrecision} decimals`);
    }
    // priceProtectScope: buys above mark*(1+scope) and sells below mark*(1-scope) are refused.
    const mark = this.market.bidTicks(symbol);
    if (side === 'BUY' && priceTicks > mark * (1 + spec.priceProtectScope)) return fail(CODE.MAX_BUY_PRICE);
    if (side === 'SELL' && priceTicks < mark * (1 - spec.priceProtectScope)) return fail(CODE.MIN_SELL_PRICE);
    return ok({ qtyLots, priceTicks });
  }

  /**
   * After an order is created or changed: a crossing POST_ONLY is cancelled by the system (the
   * REST call still succeeded — only the `order` push tells), a crossing order of any other effect
   * fills at once as taker, and a non-crossing IOC/FOK expires.
   */
  private settleAfterChange(order: Order): void {
    const buys = direction(order) === 'BUY';
    const crossing =
      order.orderType === 'MARKET' ||
      (buys
        ? order.priceTicks >= this.market.askTicks(order.symbol)
        : order.priceTicks <= this.market.bidTicks(order.symbol));
    if (crossing && order.effect !== 'POST_ONLY') {
      const takerTicks = buys ? this.market.askTicks(order.symbol) : this.market.bidTicks(order.symbol);
      this.fill(order, takerTicks, false);
      return;
    }
    if (crossing || order.effect === 'IOC' || order.effect === 'FOK') {
      this.close(order, 'CANCELED');
      this.counters.expired++;
      return;
    }
    this.touchPosition(order);
  }

  /** Fills `lots` (default: all that is left); the order stays open as PART_FILLED until it is all filled. */
  private fill(order: Order, priceTicks: number, maker: boolean, lots = order.qtyLots - order.tradeLots): void {
    const before = order.tradeLots;
    order.tradeLots = before + lots;
    order.avgTicks = Math.round((order.avgTicks * before + priceTicks * lots) / order.tradeLots);
    const fee = this.value(order.symbol, priceTicks, lots) * (maker ? MAKER_FEE : TAKER_FEE);
    order.fee += fee;
    const change = this.applyFill(order, priceTicks, lots, fee);
    order.realizedPNL += change.realized;
    if (order.tradeLots >= order.qtyLots) {
      this.counters.filled++;
      this.close(order, 'FILLED', false);
    } else {
      this.counters.partialFills++;
      order.status = 'PART_FILLED';
      order.mtime = this.now();
      this.emitOrder('UPDATE', order);
    }
    if (change.position) this.emit({ ch: 'position', event: change.event, position: { ...change.position } });
  }

  private applyFill(order: Order, priceTicks: number, fillLots: number, fee: number): { position?: Position; event: 'OPEN' | 'UPDATE' | 'CLOSE'; realized: number } {
    const spec = this.market.spec(order.symbol)!;
    const price = priceTicks / 10 ** spec.quotePrecision;
    const now = this.now();
    const hedge = order.positionMode === 'HEDGE';
    const key = hedge ? this.hedgeKey(order.symbol, order.side) : order.symbol;
    const dir: PositionSide = order.side === 'BUY' ? 'LONG' : 'SHORT';
    let pos = this.positions.get(key);
    const reduces = hedge ? order.tradeSide === 'CLOSE' : pos !== undefined && pos.side !== dir;
    if (!reduces) {
      if (!hedge && order.reduceOnly) return { event: 'UPDATE', realized: 0 };
      if (!pos) {
        pos = {
          positionId: String(5_000_000_000 + this.nextPosition++),
          symbol: order.symbol,
          side: dir,
          qtyLots: fillLots,
          entryValue: (fillLots / 10 ** spec.basePrecision) * price,
          realizedPNL: 0,
          fee: fee,
          ctime: now,
          mtime: now,
        };
        this.positions.set(key, pos);
        return { position: pos, event: 'OPEN', realized: 0 };
      }
      pos.qtyLots += fillLots;
      pos.entryValue += (fillLots / 10 ** spec.basePrecision) * price;
      pos.fee += fee;
      pos.mtime = now;
      return { position: pos, event: 'UPDATE', realized: 0 };
    }
    // A close that finds no position (closed meanwhile) fills without effect; surplus over the
    // position size is ignored rather than flipping it.
    if (!pos) return { event: 'UPDATE', realized: 0 };
    const lots = Math.min(fillLots, pos.qtyLots);
    const avg = pos.entryValue / (pos.qtyLots / 10 ** spec.basePrecision);
    const qty = lots / 10 ** spec.basePrecision;
    const realized = (pos.side === 'LONG' ? price - avg : avg - price) * qty;
    pos.entryValue -= avg * qty;
    pos.qtyLots -= lots;
    pos.realizedPNL += realized;
    pos.fee += fee;
    pos.mtime = now;
    this.realized += realized;
    if (pos.qtyLots > 0) return { position: pos, event: 'UPDATE', realized };
    this.positions.delete(key);
    pos.entryValue = 0;
    return { position: pos, event: 'CLOSE', realized };
  }

  private close(order: Order, status: OrderStatus, touch = true): void {
    order.status = status;
    order.mtime = this.now();
    this.open.delete(order.orderId);
    this.history.set(order.orderId, order);
    while (this.history.size > this.historyLimit) {
      const [oldestId, oldest] = this.history.entries().next().value as [string, Order];
      this.history.delete(oldestId);
      if (oldest.clientId && this.byClientId.get(oldest.clientId) === oldestId) this.byClientId.delete(oldest.clientId);
    }
    this.emitOrder('CLOSE', order);
    if (touch) this.touchPosition(order);
  }

  /** The docs push `position` when orders are created or cancelled; there is only something to say if one exists. */
  private touchPosition(order: Order): void {
    const key = order.positionMode === 'HEDGE' ? this.hedgeKey(order.symbol, order.side) : order.symbol;
    const pos = this.positions.get(key);
    if (pos) this.emit({ ch: 'position', event: 'UPDATE', position: { ...pos } });
  }

  private emitOrder(event: 'CREATE' | 'UPDATE' | 'CLOSE', order: Order): void {
    this.emit({ ch: 'order', event, order: { ...order } });
  }

  /** In hedge mode the side names the position for both OPEN and CLOSE (docs and ccxt). */
  private hedgeKey(symbol: string, side: Side): string {
    return `${symbol}:${side === 'BUY' ? 'LONG' : 'SHORT'}`;
  }

  private find(orderId: string | undefined, clientId: string | undefined): Result<Order> {
    if (!orderId && !clientId) return fail(CODE.PARAM, 'orderId or clientId is required');
    // orderId prevails when both are given, as the docs say.
    const id = orderId ?? this.byClientId.get(clientId!);
    const order = id ? (this.open.get(id) ?? this.history.get(id)) : undefined;
    return order ? ok(order) : fail(CODE.ORDER_NOT_FOUND);
  }

  private mustOpen(orderId: string): Order {
    const order = this.open.get(orderId);
    if (!order) throw new Error(`no open order ${orderId}`);
    return order;
  }

  private value(symbol: string, priceTicks: number, qtyLots: number): number {
    const spec = this.market.spec(symbol)!;
    return (priceTicks / 10 ** spec.quotePrecision) * (qtyLots / 10 ** spec.basePrecision);
  }
}
