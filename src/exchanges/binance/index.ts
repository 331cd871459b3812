// Public surface of the Binance market-stream client. Usable on its own: nothing here knows about
// exsoak's supervisor, bus or simulators.
export { BinanceStreamClient, resolveOptions } from './client.ts';
export { BinanceClientError } from './types.ts';
export type {
  BinanceClientEvents,
  BinanceStreamClientOptions,
  ClientErrorKind,
  ClientLogger,
  ClientStats,
  ConnectionRef,
  ConnectionStats,
  DropCause,
  DropEvent,
  GapEvent,
  MalformedEvent,
  OpenEvent,
  ReconnectedEvent,
  ResolvedOptions,
  ResyncEvent,
  RotationEvent,
  SubscribedEvent,
} from './types.ts';
export { ConnectLimiter, backoffDelay, connectWindowWithMargin } from './backoff.ts';
export { LocalOrderBook } from './orderbook.ts';
export type { BookState, OrderBookOptions, SnapshotFetcher } from './orderbook.ts';
export type {
  AggTradeEvent,
  BookTickerEvent,
  DepthSnapshot,
  DepthUpdateEvent,
  KlineEvent,
  Level,
  MarketEvent,
  MarkPriceEvent,
  MiniTickerEvent,
  PartialDepthEvent,
  TradeEvent,
} from './payloads.ts';
export { isKnownStreamType, routeOf, streamKind, streamName, streamNames, streamSymbol, streamType } from './streams.ts';
export type { Market, Route, StreamKind } from './streams.ts';
export { DEFAULT_ENDPOINTS, DEFAULT_SNAPSHOT_LIMIT, combinedStreamUrl, depthSnapshotUrl } from './urls.ts';
