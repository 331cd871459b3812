// The USD-M route table, as data: which path (`/public` or `/market`) serves each stream kind.
// Binance split USD-M stream traffic by path in 2026, and a stream on the wrong route connects
// fine and then delivers nothing: the table is the only thing standing between a typo and a
// silent stream, so it lives here once and everything else reads it. Evidence for each entry:
// docs/binance-routes.md.
/** What a stream carries. `depth` is diff depth (feeds a local order book); `depthN` partial depth (depth5/10/20). */
export type StreamKind = 'trade' | 'aggTrade' | 'bookTicker' | 'depth' | 'depthN' | 'kline' | 'miniTicker' | 'ticker' | 'markPrice' | 'other';

export type UsdmRoute = 'public' | 'market';

export const USDM_ROUTES: Readonly<Record<StreamKind, UsdmRoute>> = {
  // High-frequency book and trade data. `trade` follows ccxt (pro/binance getFutureWsCategory,
  // maintained against the live venue), which sends depth, rpiDepth, bookTicker and trade to /public.
  trade: 'public',
  bookTicker: 'public',
  depth: 'public',
  depthN: 'public',
  // Everything else is /market.
  aggTrade: 'market',
  kline: 'market',
  miniTicker: 'market',
  ticker: 'market',
  markPrice: 'market',
  other: 'market',
};

/** Where a silent stream should have been served, for the watchdog's message. */
export function describeRoute(route: string): string {
  return route === 'spot' ? 'the spot stream endpoint' : `USD-M route /${route}`;
}
