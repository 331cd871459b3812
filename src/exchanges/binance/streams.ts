// Stream names, what each one carries, and which USD-M route serves it. Binance routes USD-M
// traffic by path since 2026: a stream on the wrong route connects fine and then delivers
// nothing, so the route must be derived from the stream, never assumed.

import { USDM_ROUTES, type StreamKind } from './routes.ts';

export type { StreamKind } from './routes.ts';

export type Market = 'spot' | 'usdm';

/** `spot` has one route; USD-M splits high-frequency book data (`public`) from the rest (`market`). */
export type Route = 'spot' | 'public' | 'market';

const DEPTH_DIFF = /^depth(@\d+ms)?$/;
const DEPTH_PARTIAL = /^depth(5|10|20)(@\d+ms)?$/;
const KLINE = /^kline_(1s|1m|3m|5m|15m|30m|1h|2h|4h|6h|8h|12h|1d|3d|1w|1M)$/;
const TICKER = /^ticker(_(1h|4h|1d))?$/;
const MARK_PRICE = /^markPrice(@1s)?$/;

/** The part after `<symbol>@`, e.g. `depth@100ms` in `btcusdt@depth@100ms`. */
export function streamType(name: string): string {
  const at = name.indexOf('@');
  return at < 0 ? name : name.slice(at + 1);
}

export function streamSymbol(name: string): string {
  const at = name.indexOf('@');
  return at < 0 ? '' : name.slice(0, at);
}

export function kindOfType(type: string): StreamKind {
  switch (type) {
    case 'trade':
      return 'trade';
    case 'aggTrade':
      return 'aggTrade';
    case 'bookTicker':
      return 'bookTicker';
    case 'miniTicker':
      return 'miniTicker';
  }
  if (DEPTH_DIFF.test(type)) return 'depth';
  if (DEPTH_PARTIAL.test(type)) return 'depthN';
  if (KLINE.test(type)) return 'kline';
  if (TICKER.test(type)) return 'ticker';
  if (MARK_PRICE.test(type)) return 'markPrice';
  return 'other';
}

export function streamKind(name: string): StreamKind {
  // `!miniTicker@arr`-style all-market streams carry arrays, not per-symbol events.
  if (name.startsWith('!')) return 'other';
  return kindOfType(streamType(name));
}

/** Stream types this client understands per symbol (what a scenario may list). */
export function isKnownStreamType(type: string): boolean {
  return kindOfType(type) !== 'other';
}

/** `BTCUSDT` × `trade` → `btcusdt@trade`. Symbols are lowercase on the wire; types keep their case. */
export function streamName(symbol: string, type: string): string {
  return `${symbol.toLowerCase()}@${type}`;
}

export function streamNames(symbols: readonly string[], types: readonly string[]): string[] {
  const names: string[] = [];
  for (const symbol of symbols) for (const type of types) names.push(streamName(symbol, type));
  return [...new Set(names)];
}

export function routeOf(name: string, market: Market): Route {
  if (market === 'spot') return 'spot';
  // `!bookTicker` is the all-market book ticker: book data, like its per-symbol form.
  if (name === '!bookTicker') return USDM_ROUTES.bookTicker;
  return USDM_ROUTES[streamKind(name)];
}
