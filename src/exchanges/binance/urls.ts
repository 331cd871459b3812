import type { Market, Route } from './streams.ts';

export const DEFAULT_ENDPOINTS: Record<Market, { ws: string; rest: string }> = {
  spot: { ws: 'wss://stream.binance.com:9443', rest: 'https://api.binance.com' },
  usdm: { ws: 'wss://fstream.binance.com', rest: 'https://fapi.binance.com' },
};

function trimSlash(base: string): string {
  return base.endsWith('/') ? base.slice(0, -1) : base;
}

/**
 * Combined-stream URL for one route. With no streams it is the bare `/stream` endpoint that
 * SUBSCRIBE frames fill in; every event is then wrapped as `{stream, data}` either way, which is
 * what lets partial-depth payloads (no symbol inside) be told apart.
 */
export function combinedStreamUrl(wsBase: string, route: Route, streams: readonly string[] = []): string {
  const prefix = route === 'spot' ? '' : `/${route}`;
  const query = streams.length > 0 ? `?streams=${streams.join('/')}` : '';
  return `${trimSlash(wsBase)}${prefix}/stream${query}`;
}

/** REST order-book snapshot used to seed a local book from diff-depth events. */
export function depthSnapshotUrl(restBase: string, market: Market, symbol: string, limit: number): string {
  const path = market === 'spot' ? '/api/v3/depth' : '/fapi/v1/depth';
  return `${trimSlash(restBase)}${path}?symbol=${encodeURIComponent(symbol.toUpperCase())}&limit=${limit}`;
}

/** Largest snapshot each market serves; spot's 5000 is what the documented procedure asks for. */
export const DEFAULT_SNAPSHOT_LIMIT: Record<Market, number> = { spot: 5000, usdm: 1000 };
