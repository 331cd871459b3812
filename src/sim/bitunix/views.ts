// Wire shapes of account objects, as the docs (openapidoc.bitunix.com) describe them: REST order
// and position records, and the `data` of the private `order` and `position` pushes. Live quirks
// reported by third parties (side "Buy", position side BUY/SELL) are not imitated: the docs are the
// contract a client is checked against.
import type { Market } from './market.ts';
import { formatScaled } from './market.ts';
import { LEVERAGE, type Account, type Order, type Position } from './orders.ts';

function qtyText(market: Market, symbol: string, lots: number): string {
  return formatScaled(lots, market.spec(symbol)!.basePrecision);
}

function money(value: number): string {
  return (Math.round(value * 1e6) / 1e6).toString();
}

function priceText(market: Market, order: Order): string {
  return order.orderType === 'MARKET' ? '0' : market.fmtPrice(order.symbol, order.priceTicks);
}

const NO_TPSL = {
  tpPrice: null,
  tpStopType: null,
  tpOrderType: null,
  tpOrderPrice: null,
  slPrice: null,
  slStopType: null,
  slOrderType: null,
  slOrderPrice: null,
};

/** trade/get_order_detail and the entries of trade/get_pending_orders. */
export function restOrder(market: Market, o: Order): Record<string, unknown> {
  return {
    orderId: o.orderId,
    symbol: o.symbol,
    qty: qtyText(market, o.symbol, o.qtyLots),
    tradeQty: qtyText(market, o.symbol, o.tradeLots),
    positionMode: o.positionMode,
    marginMode: 'CROSS',
    leverage: LEVERAGE,
    price: priceText(market, o),
    side: o.side,
    orderType: o.orderType,
    effect: o.effect,
    clientId: o.clientId,
    reduceOnly: o.reduceOnly,
    status: o.status,
    fee: money(o.fee),
    realizedPNL: money(o.realizedPNL),
    ...NO_TPSL,
    ctime: o.ctime,
    mtime: o.mtime,
  };
}

/** `data` of an `order` push (an object, as the docs' Order Channel page shows). */
export function orderPush(market: Market, event: string, o: Order): Record<string, unknown> {
  const filled = o.tradeLots > 0;
  return {
    event,
    orderId: o.orderId,
    symbol: o.symbol,
    positionType: 'CROSS',
    positionMode: o.positionMode,
    side: o.side,
    effect: o.effect,
    type: o.orderType,
    qty: qtyText(market, o.symbol, o.qtyLots),
    reductionOnly: o.reduceOnly,
    price: priceText(market, o),
    ctime: new Date(o.ctime).toISOString(),
    mtime: new Date(o.mtime).toISOString(),
    leverage: String(LEVERAGE),
    orderStatus: o.status,
    fee: money(o.fee),
    averagePrice: filled ? market.fmtPrice(o.symbol, o.avgTicks) : '0',
    dealAmount: qtyText(market, o.symbol, o.tradeLots),
    clientId: o.clientId,
    ...NO_TPSL,
  };
}

/** `data` of a `position` push. */
export function positionPush(market: Market, account: Account, event: string, p: Position): Record<string, unknown> {
  return {
    event,
    positionId: p.positionId,
    marginMode: 'CROSS',
    positionMode: account.positionMode,
    side: p.side,
    leverage: String(LEVERAGE),
    margin: money(p.entryValue / LEVERAGE),
    ctime: new Date(p.ctime).toISOString(),
    qty: qtyText(market, p.symbol, p.qtyLots),
    entryValue: money(p.entryValue),
    symbol: p.symbol,
    realizedPNL: money(p.realizedPNL),
    unrealizedPNL: p.qtyLots > 0 ? money(account.unrealized(p)) : '0',
    funding: '0',
    fee: money(p.fee),
  };
}

/** position/get_pending_positions entries. */
export function restPosition(market: Market, account: Account, p: Position): Record<string, unknown> {
  const spec = market.spec(p.symbol)!;
  const qty = p.qtyLots / 10 ** spec.basePrecision;
  return {
    positionId: p.positionId,
    symbol: p.symbol,
    qty: qtyText(market, p.symbol, p.qtyLots),
    entryValue: money(p.entryValue),
    side: p.side,
    marginMode: 'CROSS',
    positionMode: account.positionMode,
    leverage: LEVERAGE,
    fees: money(p.fee),
    funding: '0',
    realizedPNL: money(p.realizedPNL),
    margin: money(p.entryValue / LEVERAGE),
    unrealizedPNL: money(account.unrealized(p)),
    liqPrice: '0',
    marginRate: '0',
    avgOpenPrice: qty > 0 ? (p.entryValue / qty).toFixed(spec.quotePrecision) : '0',
    ctime: p.ctime,
    mtime: p.mtime,
  };
}

/** account?marginCoin=USDT: a one-element list, as the docs show. */
export function restAccount(account: Account, marginCoin: string): Record<string, unknown>[] {
  const b = account.balance();
  return [
    {
      marginCoin,
      available: money(b.available),
      frozen: money(b.frozen),
      margin: money(b.margin),
      transfer: money(Math.max(0, b.available)),
      positionMode: account.positionMode,
      crossUnrealizedPNL: money(b.unrealized),
      isolationUnrealizedPNL: '0',
      bonus: '0',
    },
  ];
}

export function tradingPair(market: Market, symbol: string): Record<string, unknown> {
  const s = market.spec(symbol)!;
  return {
    symbol,
    base: s.base,
    quote: s.quote,
    minTradeVolume: s.minTradeVolume,
    minBuyPriceOffset: String(-s.priceProtectScope),
    maxSellPriceOffset: String(s.priceProtectScope),
    maxLimitOrderVolume: s.maxLimitOrderVolume,
    maxMarketOrderVolume: s.maxMarketOrderVolume,
    basePrecision: s.basePrecision,
    quotePrecision: s.quotePrecision,
    maxLeverage: 125,
    minLeverage: 1,
    defaultLeverage: LEVERAGE,
    defaultMarginMode: 'Cross',
    priceProtectScope: String(s.priceProtectScope),
    symbolStatus: 'OPEN',
  };
}
