// The REST endpoints a stream client needs: ping, time, the depth snapshot that seeds a local book
// (read from the same Book the diff streams come from) and an exchangeInfo small but complete
// enough for the `binance` package's MainClient and ccxt's loadMarkets.
import { DECIMALS } from './generator.ts';
import type { Hub } from './hub.ts';
import { formatUnits } from './numbers.ts';
import type { Level } from './book.ts';
import type { Market } from './streams.ts';

export interface RestContext {
  hub: Hub;
  clock: () => number;
  /** Symbols exchangeInfo lists, uppercase. */
  symbols: string[];
}

export interface RestAnswer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

const SYMBOL = /^[A-Z0-9]{2,30}$/;
const QUOTES = ['USDT', 'USDC', 'FDUSD', 'BUSD', 'TUSD', 'BTC', 'ETH', 'BNB', 'EUR', 'TRY'];
const FUTURES_LIMITS = [5, 10, 20, 50, 100, 500, 1000];

const json = (status: number, value: unknown): RestAnswer => ({ status, body: JSON.stringify(value) });
const fail = (status: number, code: number, msg: string): RestAnswer => json(status, { code, msg });

export function restAnswer(method: string, rawUrl: string, ctx: RestContext): RestAnswer {
  const url = new URL(rawUrl, 'http://sim');
  const path = url.pathname.replace(/\/+$/, '');
  const spot = path.startsWith('/api/v3/');
  const futures = path.startsWith('/fapi/v1/');
  if (!spot && !futures) return fail(404, -1, 'Not found');
  if (method !== 'GET') return fail(405, -1, 'Method not allowed');
  const market: Market = spot ? 'spot' : 'usdm';
  switch (path.slice(spot ? 8 : 9)) {
    case 'ping':
      return json(200, {});
    case 'time':
      return json(200, { serverTime: ctx.clock() });
    case 'depth':
      return depth(url.searchParams, market, ctx);
    case 'exchangeInfo':
      return exchangeInfo(url.searchParams, market, ctx);
    default:
      return fail(404, -1, 'Not found');
  }
}

function depth(params: URLSearchParams, market: Market, ctx: RestContext): RestAnswer {
  const symbol = params.get('symbol');
  if (!symbol) return fail(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
  if (!SYMBOL.test(symbol)) return fail(400, -1121, 'Invalid symbol.');
  const limitText = params.get('limit');
  let limit = market === 'spot' ? 100 : 500;
  if (limitText !== null) {
    if (!/^[0-9]{1,20}$/.test(limitText)) {
      return fail(400, -1100, "Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'.");
    }
    limit = Number(limitText);
    if (market === 'usdm' && !FUTURES_LIMITS.includes(limit)) return fail(400, -1130, "Data sent for parameter 'limit' is not valid.");
    // Spot truncates anything above 5000 to 5000.
    limit = Math.min(Math.max(limit, 1), 5000);
  }
  const book = ctx.hub.book(market, symbol.toLowerCase());
  const { bids, asks } = book.top(limit);
  const dec = DECIMALS[market];
  const levels = (side: Level[]) => side.map(([p, q]) => [formatUnits(p, dec.price), formatUnits(q, dec.qty)]);
  if (market === 'spot') return json(200, { lastUpdateId: book.id, bids: levels(bids), asks: levels(asks) });
  const now = ctx.clock();
  return json(200, { lastUpdateId: book.id, E: now, T: now, bids: levels(bids), asks: levels(asks) });
}

function exchangeInfo(params: URLSearchParams, market: Market, ctx: RestContext): RestAnswer {
  let wanted = ctx.symbols;
  const one = params.get('symbol');
  const many = params.get('symbols');
  if (one !== null) wanted = [one];
  else if (many !== null) {
    try {
      const list: unknown = JSON.parse(many);
      if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) throw new Error('not a list');
      wanted = list as string[];
    } catch {
      return fail(400, -1100, "Illegal characters found in parameter 'symbols'.");
    }
  }
  for (const symbol of wanted) if (!ctx.symbols.includes(symbol)) return fail(400, -1121, 'Invalid symbol.');
  const rateLimits = [
    { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
    { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
    { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
    { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
  ];
  const serverTime = ctx.clock();
  if (market === 'spot') {
    return json(200, { timezone: 'UTC', serverTime, rateLimits, exchangeFilters: [], symbols: wanted.map(spotSymbol) });
  }
  const assets = [...new Set(wanted.map((s) => split(s)[1]))].map((asset) => ({
    asset,
    marginAvailable: true,
    autoAssetExchange: '-10000',
  }));
  return json(200, {
    timezone: 'UTC',
    serverTime,
    futuresType: 'U_MARGINED',
    rateLimits: rateLimits.slice(0, 3),
    exchangeFilters: [],
    assets,
    symbols: wanted.map(futuresSymbol),
  });
}

function split(symbol: string): [base: string, quote: string] {
  const quote = QUOTES.find((q) => symbol.endsWith(q) && symbol.length > q.length) ?? symbol.slice(-4);
  return [symbol.slice(0, -quote.length), quote];
}

function spotSymbol(symbol: string): Record<string, unknown> {
  const [baseAsset, quoteAsset] = split(symbol);
  return {
    symbol,
    status: 'TRADING',
    baseAsset,
    baseAssetPrecision: 8,
    quoteAsset,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'],
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    amendAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: '0.01000000', maxPrice: '1000000.00000000', tickSize: '0.01000000' },
      { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
      { filterType: 'ICEBERG_PARTS', limit: 10 },
      { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: '100.00000000', stepSize: '0.00000000' },
      { filterType: 'TRAILING_DELTA', minTrailingAboveDelta: 10, maxTrailingAboveDelta: 2000, minTrailingBelowDelta: 10, maxTrailingBelowDelta: 2000 },
      { filterType: 'PERCENT_PRICE_BY_SIDE', bidMultiplierUp: '5', bidMultiplierDown: '0.2', askMultiplierUp: '5', askMultiplierDown: '0.2', avgPriceMins: 5 },
      { filterType: 'NOTIONAL', minNotional: '5.00000000', applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
      { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
    ],
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

function futuresSymbol(symbol: string): Record<string, unknown> {
  const [baseAsset, quoteAsset] = split(symbol);
  return {
    symbol,
    pair: symbol,
    contractType: 'PERPETUAL',
    deliveryDate: 4133404800000,
    onboardDate: 1569398400000,
    status: 'TRADING',
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset,
    quoteAsset,
    marginAsset: quoteAsset,
    pricePrecision: 2,
    quantityPrecision: 3,
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    triggerProtect: '0.0500',
    liquidationFee: '0.012500',
    marketTakeBound: '0.05',
    maxMoveOrderLimit: 10000,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: '0.01', maxPrice: '1000000', tickSize: '0.01' },
      { filterType: 'LOT_SIZE', minQty: '0.001', maxQty: '1000', stepSize: '0.001' },
      { filterType: 'MARKET_LOT_SIZE', minQty: '0.001', maxQty: '120', stepSize: '0.001' },
      { filterType: 'MAX_NUM_ORDERS', limit: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
      { filterType: 'MIN_NOTIONAL', notional: '100' },
      { filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4' },
    ],
    orderTypes: ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'],
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
  };
}
