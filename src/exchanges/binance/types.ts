import type { MarketEvent } from './payloads.ts';
import type { Market, Route, StreamKind } from './streams.ts';
import type { ConnectLimiter } from './backoff.ts';

/** Minimal structured logger (pino's shape); the client logs only rare, first-of-a-kind facts. */
export interface ClientLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
}

export interface BinanceStreamClientOptions {
  market?: Market;
  /** Default: the live endpoint of `market` (spot `wss://stream.binance.com:9443`). */
  wsBaseUrl?: string;
  /** Default: the live REST endpoint of `market` (spot `https://api.binance.com`). */
  restBaseUrl?: string;
  /** Symbols × `streams` make the subscription: `BTCUSDT` × `trade` → `btcusdt@trade`. */
  symbols?: string[];
  /** Stream types per symbol: `trade`, `aggTrade`, `bookTicker`, `depth`, `depth@100ms`, `depth5`, `kline_1m`, `miniTicker`, … */
  streams?: string[];
  /** Full stream names added as they are (e.g. `!miniTicker@arr`). */
  extraStreams?: string[];
  /** Subscribe in the URL (`?streams=`) or by SUBSCRIBE frames after connecting. Default `url`. */
  subscribeVia?: 'url' | 'frames';
  /** `exponential` (default: full jitter, base `reconnectDelayMs`, cap `maxReconnectDelayMs`) or `fixed` (`reconnectDelayMs` every time). */
  backoff?: 'fixed' | 'exponential';
  /** Base of the exponential backoff (full jitter), or the fixed delay. Default 5 s. */
  reconnectDelayMs?: number;
  /** Backoff cap. Default 60 s. */
  maxReconnectDelayMs?: number;
  /** Consecutive failed reconnects before giving up on a connection. Default Infinity. */
  maxReconnectAttempts?: number;
  /** A connection open this long (with data) resets the backoff. Default 30 s. */
  stableConnectionMs?: number;
  /**
   * Connection attempts allowed per `connectWindowMs` (Binance: 300 per 5 min per IP): give the
   * venue's figures; the client keeps a small margin on the window (connectWindowWithMargin).
   */
  maxConnectAttempts?: number;
  connectWindowMs?: number;
  /** Share one limiter between clients in a process: the venue's limit is per IP. */
  connectLimiter?: ConnectLimiter;
  /** Reconnect a connection that is open but delivers no stream data for this long (0 = off). Default 60 s. */
  silenceTimeoutMs?: number;
  /** Rotate (overlap, switch, close) before this age (0 = never). Default 23 h 50 m. */
  maxConnectionAgeMs?: number;
  /** The venue's own limit: a server close at about this age is scheduled, not a drop. Default 24 h. */
  serverMaxConnectionAgeMs?: number;
  /** How long a rotation may wait for the new socket to catch up with the old before switching anyway. Default 10 s. */
  rotationOverlapMaxMs?: number;
  /** Events held from the new socket during a rotation; reaching it forces the switch. Default 50 000. */
  maxRotationBuffer?: number;
  /** Outgoing frames (JSON and pongs) per second. Default 4 (spot, limit 5) / 9 (USD-M, limit 10). */
  maxMessagesPerSec?: number;
  /** Streams per connection; more are sharded over several connections. Default 1024. */
  maxStreamsPerConnection?: number;
  /** Streams per SUBSCRIBE frame. Default 100. */
  maxStreamsPerRequest?: number;
  /** Streams placed in the URL when `subscribeVia: 'url'`; the rest go by frames. Default 200. */
  maxUrlStreams?: number;
  handshakeTimeoutMs?: number;
  /** How long a polite close may wait for the server's close frame before the socket is destroyed. */
  closeTimeoutMs?: number;
  /** SUBSCRIBE / LIST_SUBSCRIPTIONS answers expected within this. Default 10 s. */
  requestTimeoutMs?: number;
  /** Keep local order books for diff-depth streams (`depth`, `depth@100ms`). Default true. */
  orderBook?: boolean;
  /** REST snapshot size. Default 5000 (spot) / 1000 (USD-M). */
  depthSnapshotLimit?: number;
  /** Minimum spacing of snapshot requests per symbol. Default 1 s. */
  minSnapshotIntervalMs?: number;
  /** Injected for tests or proxies; default global fetch. */
  fetch?: typeof fetch;
  logger?: ClientLogger;
}

export interface ResolvedOptions {
  market: Market;
  wsBaseUrl: string;
  restBaseUrl: string;
  subscribeVia: 'url' | 'frames';
  backoff: 'fixed' | 'exponential';
  reconnectDelayMs: number;
  maxReconnectDelayMs: number;
  maxReconnectAttempts: number;
  stableConnectionMs: number;
  silenceTimeoutMs: number;
  maxConnectionAgeMs: number;
  serverMaxConnectionAgeMs: number;
  rotationOverlapMaxMs: number;
  maxRotationBuffer: number;
  maxMessagesPerSec: number;
  maxStreamsPerConnection: number;
  maxStreamsPerRequest: number;
  maxUrlStreams: number;
  handshakeTimeoutMs: number;
  closeTimeoutMs: number;
  requestTimeoutMs: number;
  orderBook: boolean;
  depthSnapshotLimit: number;
  minSnapshotIntervalMs: number;
}

export interface ConnectionRef {
  /** Stable name of the logical connection, e.g. `spot#1`, `market#1`. */
  connection: string;
  route: Route;
}

export interface OpenEvent extends ConnectionRef {
  url: string;
  /** The new socket of a rotation (the feed did not stop). */
  rotation: boolean;
  /** Opened to replace a dropped connection. */
  reconnect: boolean;
  attempt: number;
}

export interface ReconnectedEvent extends ConnectionRef {
  /** From the drop to the new socket's open: data in this window may be missing. */
  downtimeMs: number;
  attempts: number;
}

export type DropCause = 'server' | 'silence' | 'rotation' | 'server-shutdown' | 'max-age';

export interface DropEvent extends ConnectionRef {
  scheduled: boolean;
  code: number;
  reason: string;
  cause: DropCause;
  ageMs: number;
}

export interface RotationEvent extends ConnectionRef {
  reason: 'max-age' | 'server-shutdown';
  oldAgeMs: number;
  /** Both sockets open. */
  overlapMs: number;
  /** Events buffered from the new socket and replayed after the switch. */
  replayed: number;
  /** Of those, already delivered by the old socket. */
  duplicates: number;
  /** The switch happened because the overlap wait ran out, not because every stream overlapped. */
  forced: boolean;
}

export interface MalformedEvent {
  kind: string;
  first: boolean;
  count: number;
  sample: string;
  connection: string;
  stream?: string;
}

export interface GapEvent {
  connection: string;
  stream: string;
  kind: StreamKind;
  expected: number;
  got: number;
  /** Ids skipped (trade/aggTrade), or -1 where ids are not dense (depth). */
  missing: number;
}

export interface ResyncEvent {
  symbol: string;
  reason: string;
  count: number;
}

export interface SubscribedEvent extends ConnectionRef {
  id: number;
  streams: string[];
}

export type ClientErrorKind =
  | 'connect' // an attempt failed before the socket opened
  | 'socket' // the open socket reported an error
  | 'request' // SUBSCRIBE and friends rejected or unanswered
  | 'rotation' // the new socket of a rotation failed; the old one keeps serving
  | 'snapshot' // REST depth snapshot failed (retried)
  | 'sequence-reset' // ids went backwards on a fresh socket
  | 'silence' // an open socket delivered no stream data: the watchdog replaced it (names the route)
  | 'give-up'; // maxReconnectAttempts exhausted: this connection stops

export class BinanceClientError extends Error {
  readonly kind: ClientErrorKind;
  readonly fatal: boolean;
  readonly connection: string | undefined;
  readonly code: number | undefined;

  constructor(kind: ClientErrorKind, message: string, extra: { fatal?: boolean; connection?: string; code?: number } = {}) {
    super(message);
    this.name = 'BinanceClientError';
    this.kind = kind;
    this.fatal = extra.fatal ?? false;
    this.connection = extra.connection;
    this.code = extra.code;
  }
}

export interface BinanceClientEvents {
  message: (stream: string, data: MarketEvent, kind: StreamKind) => void;
  open: (event: OpenEvent) => void;
  reconnected: (event: ReconnectedEvent) => void;
  drop: (event: DropEvent) => void;
  rotation: (event: RotationEvent) => void;
  /** The server announced `serverShutdown` on a connection: a rotation starts now. */
  shutdown: (event: ConnectionRef) => void;
  subscribed: (event: SubscribedEvent) => void;
  malformed: (event: MalformedEvent) => void;
  gap: (event: GapEvent) => void;
  resync: (event: ResyncEvent) => void;
  /** Never thrown: eventemitter3 does not throw on an unheard `error`, so a client without a listener keeps running. */
  error: (error: BinanceClientError) => void;
}

export interface ConnectionStats {
  connection: string;
  route: Route;
  state: 'connecting' | 'open' | 'rotating' | 'waiting' | 'failed' | 'closed';
  streams: number;
  /** Age of the socket serving the feed, 0 if none is open. */
  ageMs: number;
  attempts: number;
}

/** Running totals of a client: the host keeps them, `stats()` adds the live connections. */
export interface HostCounts {
  /** Frames received on every socket (data, acks, malformed), rotation duplicates included. */
  frames: number;
  /** Stream events received (valid payloads), before deduplication. */
  events: number;
  delivered: number;
  duplicates: number;
  malformed: number;
  gaps: number;
  /** Ids skipped in total across gaps (trade/aggTrade only). */
  missing: number;
  resyncs: number;
  connects: number;
  reconnects: number;
  dropsScheduled: number;
  dropsUnscheduled: number;
  rotations: number;
  errors: number;
}

export interface ClientStats extends HostCounts {
  connections: ConnectionStats[];
}
