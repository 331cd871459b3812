// The Binance market-stream client: symbols × stream types over combined-stream connections, one
// per route (USD-M splits `/public` from `/market`), sharded past the per-connection stream cap.
// It survives drops, silent sockets and the 24 h limit on its own, and says what happened through
// typed events; `message` carries only validated, deduplicated events.
import { EventEmitter } from 'eventemitter3';
import { ConnectLimiter, connectWindowWithMargin } from './backoff.ts';
import { StreamConnection } from './connection.ts';
import type { ConnectionHost } from './host.ts';
import type { HostCounts } from './types.ts';
import { LocalOrderBook } from './orderbook.ts';
import type { DepthSnapshot, DepthUpdateEvent, MarketEvent } from './payloads.ts';
import { isValidSnapshot } from './payloads.ts';
import type { StreamState } from './sequence.ts';
import { routeOf, streamKind, streamNames, streamSymbol } from './streams.ts';
import type { Route } from './streams.ts';
import { BinanceClientError } from './types.ts';
import type {
  BinanceClientEvents,
  BinanceStreamClientOptions,
  ClientErrorKind,
  ClientLogger,
  ClientStats,
  ResolvedOptions,
} from './types.ts';
import { DEFAULT_ENDPOINTS, DEFAULT_SNAPSHOT_LIMIT, depthSnapshotUrl } from './urls.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const SAMPLE_CHARS = 200;

export function resolveOptions(o: BinanceStreamClientOptions): ResolvedOptions {
  const market = o.market ?? 'spot';
  const resolved: ResolvedOptions = {
    market,
    wsBaseUrl: o.wsBaseUrl ?? DEFAULT_ENDPOINTS[market].ws,
    restBaseUrl: o.restBaseUrl ?? DEFAULT_ENDPOINTS[market].rest,
    subscribeVia: o.subscribeVia ?? 'url',
    backoff: o.backoff ?? 'exponential',
    reconnectDelayMs: o.reconnectDelayMs ?? 5_000,
    maxReconnectDelayMs: o.maxReconnectDelayMs ?? 60_000,
    maxReconnectAttempts: o.maxReconnectAttempts ?? Infinity,
    stableConnectionMs: o.stableConnectionMs ?? 30_000,
    silenceTimeoutMs: o.silenceTimeoutMs ?? 60_000,
    maxConnectionAgeMs: o.maxConnectionAgeMs ?? 23 * HOUR + 50 * MINUTE,
    serverMaxConnectionAgeMs: o.serverMaxConnectionAgeMs ?? 24 * HOUR,
    rotationOverlapMaxMs: o.rotationOverlapMaxMs ?? 10_000,
    maxRotationBuffer: o.maxRotationBuffer ?? 50_000,
    // One under the venue's limit (5 spot, 10 USD-M): "under", not "at".
    maxMessagesPerSec: o.maxMessagesPerSec ?? (market === 'spot' ? 4 : 9),
    maxStreamsPerConnection: o.maxStreamsPerConnection ?? 1024,
    maxStreamsPerRequest: o.maxStreamsPerRequest ?? 100,
    maxUrlStreams: o.maxUrlStreams ?? 200,
    handshakeTimeoutMs: o.handshakeTimeoutMs ?? 10_000,
    closeTimeoutMs: o.closeTimeoutMs ?? 2_000,
    requestTimeoutMs: o.requestTimeoutMs ?? 10_000,
    orderBook: o.orderBook ?? true,
    depthSnapshotLimit: o.depthSnapshotLimit ?? DEFAULT_SNAPSHOT_LIMIT[market],
    minSnapshotIntervalMs: o.minSnapshotIntervalMs ?? 1_000,
  };
  if (resolved.maxStreamsPerConnection < 1 || resolved.maxStreamsPerConnection > 1024) {
    throw new RangeError('maxStreamsPerConnection must be within 1..1024');
  }
  if (!Number.isInteger(resolved.maxMessagesPerSec) || resolved.maxMessagesPerSec < 1) {
    throw new RangeError('maxMessagesPerSec must be a positive integer');
  }
  if (resolved.maxReconnectAttempts < 0) throw new RangeError('maxReconnectAttempts must be >= 0');
  return resolved;
}

export class BinanceStreamClient extends EventEmitter<BinanceClientEvents> implements ConnectionHost {
  readonly options: ResolvedOptions;
  readonly limiter: ConnectLimiter;
  readonly counts: HostCounts = {
    frames: 0,
    events: 0,
    delivered: 0,
    duplicates: 0,
    malformed: 0,
    gaps: 0,
    missing: 0,
    resyncs: 0,
    connects: 0,
    reconnects: 0,
    dropsScheduled: 0,
    dropsUnscheduled: 0,
    rotations: 0,
    errors: 0,
  };
  private readonly connections: StreamConnection[] = [];
  private readonly owners = new Map<string, StreamConnection>();
  private readonly books = new Map<string, LocalOrderBook>();
  private readonly malformedKinds = new Map<string, number>();
  private readonly shardCount: Record<Route, number> = { spot: 0, public: 0, market: 0 };
  private readonly fetchImpl: typeof fetch;
  private readonly logger: ClientLogger | undefined;
  private lastId = 0;
  private started = false;
  private closed = false;

  constructor(options: BinanceStreamClientOptions = {}) {
    super();
    this.options = resolveOptions(options);
    // A little more than the venue's window: see connectWindowWithMargin.
    this.limiter =
      options.connectLimiter ?? new ConnectLimiter(options.maxConnectAttempts ?? 300, connectWindowWithMargin(options.connectWindowMs ?? 5 * MINUTE));
    this.fetchImpl = options.fetch ?? fetch;
    this.logger = options.logger;
    const names = streamNames(options.symbols ?? [], options.streams ?? []);
    this.place([...names, ...(options.extraStreams ?? [])]);
  }

  /** Every stream currently subscribed (or to be, once connected). */
  get streams(): string[] {
    return [...this.owners.keys()];
  }

  /** Opens every connection. Idempotent. */
  start(): this {
    if (this.closed) throw new Error('client is closed');
    if (!this.started) {
      this.started = true;
      for (const conn of this.connections) conn.start();
    }
    return this;
  }

  subscribe(names: readonly string[]): void {
    if (this.closed) throw new Error('client is closed');
    this.place(names);
  }

  unsubscribe(names: readonly string[]): void {
    const byConn = new Map<StreamConnection, string[]>();
    for (const name of names) {
      const conn = this.owners.get(name);
      if (!conn) continue;
      this.owners.delete(name);
      const book = this.books.get(name);
      if (book) {
        book.close();
        this.books.delete(name);
      }
      let list = byConn.get(conn);
      if (!list) byConn.set(conn, (list = []));
      list.push(name);
    }
    for (const [conn, list] of byConn) {
      conn.remove(list);
      if (conn.size === 0) {
        void conn.close();
        this.connections.splice(this.connections.indexOf(conn), 1);
      }
    }
  }

  /** What the server says each connection is subscribed to (LIST_SUBSCRIPTIONS). */
  async listSubscriptions(): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    await Promise.all(this.connections.map(async (conn) => (out[conn.id] = await conn.listSubscriptions())));
    return out;
  }

  /** Rotates every connection now (operators and tests; normally age-driven). */
  rotateNow(): void {
    for (const conn of this.connections) conn.rotateNow();
  }

  /** The local book of a diff-depth stream, by stream name or symbol. */
  orderBook(streamOrSymbol: string): LocalOrderBook | undefined {
    const direct = this.books.get(streamOrSymbol);
    if (direct) return direct;
    const symbol = streamOrSymbol.toUpperCase();
    for (const book of this.books.values()) if (book.symbol === symbol) return book;
    return undefined;
  }

  /** Closes every socket and timer; resolves when the sockets are closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const book of this.books.values()) book.close();
    this.books.clear();
    await Promise.all(this.connections.map((conn) => conn.close()));
  }

  stats(): ClientStats {
    return { ...this.counts, connections: this.connections.map((conn) => conn.stats()) };
  }

  /** Malformed frames seen so far, by kind. */
  malformedByKind(): Record<string, number> {
    return Object.fromEntries(this.malformedKinds);
  }

  // ---- ConnectionHost ------------------------------------------------------------------------

  nextId(): number {
    this.lastId = this.lastId >= Number.MAX_SAFE_INTEGER ? 1 : this.lastId + 1;
    return this.lastId;
  }

  deliver(st: StreamState, data: MarketEvent): void {
    this.counts.delivered++;
    if (st.kind === 'depth' && this.books.size > 0) this.books.get(st.name)?.update(data as DepthUpdateEvent);
    this.emit('message', st.name, data, st.kind);
  }

  malformed(kind: string, sample: string, connection: string, stream?: string): void {
    this.counts.malformed++;
    const count = (this.malformedKinds.get(kind) ?? 0) + 1;
    this.malformedKinds.set(kind, count);
    const first = count === 1;
    const clipped = sample.length > SAMPLE_CHARS ? sample.slice(0, SAMPLE_CHARS) : sample;
    if (first) this.logger?.warn({ kind, connection, stream, sample: clipped }, 'binance: malformed frame (logged once per kind)');
    this.emit('malformed', { kind, first, count, sample: clipped, connection, stream });
  }

  gap(connection: string, st: StreamState): void {
    const missing = st.kind === 'trade' || st.kind === 'aggTrade' ? st.gapGot - st.gapExpected : -1;
    this.counts.gaps++;
    if (missing > 0) this.counts.missing += missing;
    this.emit('gap', { connection, stream: st.name, kind: st.kind, expected: st.gapExpected, got: st.gapGot, missing });
  }

  error(kind: ClientErrorKind, message: string, connection?: string, code?: number, fatal = false): void {
    this.counts.errors++;
    this.emit('error', new BinanceClientError(kind, message, { connection, code, fatal }));
  }

  // ---- placement -----------------------------------------------------------------------------

  private place(names: readonly string[]): void {
    const byConn = new Map<StreamConnection, string[]>();
    for (const name of names) {
      if (this.owners.has(name)) continue;
      const route = routeOf(name, this.options.market);
      let conn: StreamConnection | undefined;
      for (let i = this.connections.length - 1; i >= 0; i--) {
        const candidate = this.connections[i]!;
        if (candidate.route !== route) continue;
        const planned = byConn.get(candidate)?.length ?? 0;
        if (candidate.size + planned < this.options.maxStreamsPerConnection) conn = candidate;
        break;
      }
      if (!conn) {
        conn = new StreamConnection(this, `${route}#${++this.shardCount[route]}`, route, []);
        this.connections.push(conn);
      }
      let list = byConn.get(conn);
      if (!list) byConn.set(conn, (list = []));
      list.push(name);
      this.owners.set(name, conn);
      if (this.options.orderBook && streamKind(name) === 'depth') this.books.set(name, this.newBook(name));
    }
    for (const [conn, list] of byConn) {
      conn.add(list);
      if (this.started) conn.start();
    }
  }

  private newBook(stream: string): LocalOrderBook {
    const book: LocalOrderBook = new LocalOrderBook({
      symbol: streamSymbol(stream),
      market: this.options.market,
      minSnapshotIntervalMs: this.options.minSnapshotIntervalMs,
      fetchSnapshot: (symbol, signal) => this.fetchSnapshot(symbol, signal),
      onResync: (reason) => {
        this.counts.resyncs++;
        this.emit('resync', { symbol: book.symbol, reason, count: book.resyncs });
      },
      onError: (err) => this.error('snapshot', `${stream}: ${err.message}`),
    });
    return book;
  }

  private async fetchSnapshot(symbol: string, signal: AbortSignal): Promise<DepthSnapshot> {
    const url = depthSnapshotUrl(this.options.restBaseUrl, this.options.market, symbol, this.options.depthSnapshotLimit);
    const res = await this.fetchImpl(url, { signal });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`GET ${url}: HTTP ${res.status}`);
    }
    const body: unknown = await res.json();
    if (!isValidSnapshot(body)) throw new Error(`GET ${url}: not a depth snapshot`);
    return body;
  }
}
