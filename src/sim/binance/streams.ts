// Stream-name grammar of the Binance market streams, read from the spot and USD-M docs. A name that
// parses is a valid stream; anything else gets "Invalid request: invalid stream" on SUBSCRIBE.

export type Market = 'spot' | 'usdm';
/** USD-M split routing (2026): `/public` carries book streams and trades, `/market` everything else. */
type StreamClass = 'public' | 'market';

/**
 * The simulator's route table for the trade streams (book streams are `public` where parsed
 * below). `trade` on `/public` follows ccxt's routing, maintained against the live venue; the
 * evidence is in docs/binance-routes.md. Kept apart from the client's table on purpose (simulators
 * and clients share no protocol code: docs/DEVELOPING.md); test/unit/binance-routes.test.ts checks the two agree.
 */
const USDM_CLASS: Readonly<Record<'trade' | 'aggTrade', StreamClass>> = { trade: 'public', aggTrade: 'market' };
type StreamKind =
  | 'trade'
  | 'aggTrade'
  | 'bookTicker'
  | 'depth'
  | 'partialDepth'
  | 'kline'
  | 'miniTicker'
  | 'ticker'
  | 'avgPrice'
  | 'markPrice'
  | 'allMarket';

export interface StreamSpec {
  /** The name exactly as subscribed; also the `stream` of the combined wrapper. */
  name: string;
  /** Lowercase symbol, '' for all-market streams. */
  symbol: string;
  kind: StreamKind;
  /** Everything after the first '@', e.g. `depth5@100ms`, `kline_1m`. */
  type: string;
  cls: StreamClass;
  /** Documented push cadence; undefined for real-time streams (paced by the `rate` option). */
  cadenceMs?: number;
  levels?: number;
  interval?: string;
}

const KLINE_INTERVALS_SPOT = ['1s', '1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'];
const KLINE_INTERVALS_USDM = KLINE_INTERVALS_SPOT.slice(1);

const SYMBOL = /^[a-z0-9]{2,30}$/;

// Validity of a speed suffix and the cadence it selects, per market.
const DEPTH_SPEEDS: Record<Market, Record<string, number>> = {
  spot: { '': 1000, '@1000ms': 1000, '@100ms': 100 },
  usdm: { '': 250, '@250ms': 250, '@500ms': 500, '@100ms': 100 },
};

const ALL_MARKET: Record<Market, Set<string>> = {
  spot: new Set(['!miniTicker@arr', '!ticker@arr', '!ticker_1h@arr', '!ticker_4h@arr', '!ticker_1d@arr']),
  usdm: new Set(['!miniTicker@arr', '!ticker@arr', '!bookTicker', '!markPrice@arr', '!markPrice@arr@1s', '!forceOrder@arr']),
};

export function parseStream(name: string, market: Market): StreamSpec | undefined {
  if (name.startsWith('!')) {
    if (!ALL_MARKET[market].has(name)) return undefined;
    const cls: StreamClass = name === '!bookTicker' ? 'public' : 'market';
    return { name, symbol: '', kind: 'allMarket', type: name.slice(1), cls };
  }
  const at = name.indexOf('@');
  if (at <= 0) return undefined;
  const symbol = name.slice(0, at);
  if (!SYMBOL.test(symbol)) return undefined;
  const type = name.slice(at + 1);
  const base = { name, symbol, type };
  switch (type) {
    case 'trade':
    case 'aggTrade':
      return { ...base, kind: type, cls: USDM_CLASS[type] };
    case 'bookTicker':
      return { ...base, kind: 'bookTicker', cls: 'public' };
    case 'miniTicker':
    case 'ticker':
      return { ...base, kind: type, cls: 'market', cadenceMs: market === 'usdm' ? 500 : 1000 };
    case 'avgPrice':
      return market === 'spot' ? { ...base, kind: 'avgPrice', cls: 'market', cadenceMs: 1000 } : undefined;
    case 'markPrice':
    case 'markPrice@1s':
      return market === 'usdm'
        ? { ...base, kind: 'markPrice', cls: 'market', cadenceMs: type === 'markPrice' ? 3000 : 1000 }
        : undefined;
  }
  if (type.startsWith('kline_')) {
    const interval = type.slice(6);
    const valid = market === 'spot' ? KLINE_INTERVALS_SPOT : KLINE_INTERVALS_USDM;
    if (!valid.includes(interval)) return undefined;
    const cadenceMs = market === 'usdm' ? 250 : interval === '1s' ? 1000 : 2000;
    return { ...base, kind: 'kline', cls: 'market', cadenceMs, interval };
  }
  const depth = /^depth(5|10|20)?(@\d+ms)?$/.exec(type);
  if (depth) {
    const cadenceMs = DEPTH_SPEEDS[market][depth[2] ?? ''];
    if (cadenceMs === undefined) return undefined;
    if (depth[1]) return { ...base, kind: 'partialDepth', cls: 'public', cadenceMs, levels: Number(depth[1]) };
    return { ...base, kind: 'depth', cls: 'public', cadenceMs };
  }
  return undefined;
}

/** Whether a connection routed to `route` delivers this stream (USD-M split; spot serves all). */
export function routes(route: Route, spec: StreamSpec): boolean {
  return route === 'all' || route === spec.cls;
}
export type Route = 'all' | StreamClass | 'private';

/**
 * Messages per second for a stream. `rates` keys are tried from the most to the least specific
 * (`depth5@100ms`, `depth5`, `partialDepth`; `kline_1m`, `kline`); then documented cadences; then
 * `rate`. `rate: 0` silences every stream not named in `rates` (faults' `burst` still emits).
 */
export function rateFor(spec: StreamSpec, rate: number, rates: Record<string, number>): number {
  const speedless = spec.type.replace(/@\d+ms$|@1s$/, '');
  const keys = [spec.type, speedless, speedless.split('_')[0]!, spec.kind];
  for (const key of keys) {
    const value = rates[key];
    if (value !== undefined) return Math.max(0, value);
  }
  if (rate === 0) return 0;
  return spec.cadenceMs ? 1000 / spec.cadenceMs : rate;
}
