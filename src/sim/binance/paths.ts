// WebSocket URL forms: `/ws`, `/ws/<s1>/<s2>`, `/ws/<anything>`, `/stream?streams=a/b` (list may be
// empty or missing), `timeUnit=MICROSECOND`, and the USD-M `/public|/market|/private` prefixes.
// Unknown names in the URL are accepted and ignored (a listen key, ccxt's `/ws/<n>`).
import { parseStream, type Market, type Route, type StreamSpec } from './streams.ts';

export interface WsTarget {
  market: Market;
  route: Route;
  combined: boolean;
  micro: boolean;
  streams: StreamSpec[];
}

export function parseWsUrl(rawUrl: string): WsTarget | undefined {
  const url = new URL(rawUrl, 'http://sim');
  let segments = url.pathname.split('/').filter((s) => s !== '');
  let market: Market = 'spot';
  let route: Route = 'all';
  const prefix = segments[0];
  if (prefix === 'public' || prefix === 'market' || prefix === 'private') {
    market = 'usdm';
    route = prefix;
    segments = segments.slice(1);
  }
  const kind = segments[0];
  if (kind !== 'ws' && kind !== 'stream') return undefined;
  const names =
    kind === 'ws'
      ? segments.slice(1).map(safeDecode)
      : (url.searchParams.get('streams') ?? '').split('/').filter((s) => s !== '');
  const streams: StreamSpec[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const spec = parseStream(name, market);
    if (spec && !seen.has(spec.name)) {
      seen.add(spec.name);
      streams.push(spec);
    }
  }
  const micro = (url.searchParams.get('timeUnit') ?? '').toUpperCase() === 'MICROSECOND';
  return { market, route, combined: kind === 'stream', micro, streams };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
