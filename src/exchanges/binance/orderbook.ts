// A local order book kept from diff-depth events, following Binance's documented procedure:
// buffer events, fetch a REST snapshot, drop what the snapshot already contains, then apply in
// order and start over on any break in the id chain.
//
// Spot chains by `U == previous u + 1`; USD-M by `pu == previous u`, and its first event must
// straddle the snapshot (`U <= lastUpdateId <= u`).
import { backoffDelay } from './backoff.ts';
import type { DepthSnapshot, DepthUpdateEvent, Level } from './payloads.ts';
import type { Market } from './streams.ts';

export type SnapshotFetcher = (symbol: string, signal: AbortSignal) => Promise<DepthSnapshot>;

export type BookState = 'idle' | 'syncing' | 'synced' | 'closed';

export interface OrderBookOptions {
  symbol: string;
  market: Market;
  fetchSnapshot: SnapshotFetcher;
  /** A break in the chain forced a new snapshot. */
  onResync?: (reason: string) => void;
  onSynced?: () => void;
  onError?: (err: Error) => void;
  /** Events held while a snapshot is in flight; past this the oldest are dropped. */
  maxBuffer?: number;
  /** Snapshots are heavy (spot limit=5000 weighs 250): never fetch more often than this. */
  minSnapshotIntervalMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export class LocalOrderBook {
  readonly symbol: string;
  readonly market: Market;
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();
  state: BookState = 'idle';
  lastUpdateId = -1;
  resyncs = 0;
  snapshots = 0;
  /** Snapshots discarded for being older than the buffered events. */
  staleSnapshots = 0;
  private buffer: DepthUpdateEvent[] = [];
  private bridged = false;
  private abort: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private lastFetchAt = -Infinity;
  private readonly opts: Required<Omit<OrderBookOptions, 'onResync' | 'onSynced' | 'onError'>> &
    Pick<OrderBookOptions, 'onResync' | 'onSynced' | 'onError'>;

  constructor(options: OrderBookOptions) {
    this.symbol = options.symbol.toUpperCase();
    this.market = options.market;
    this.opts = { maxBuffer: 10_000, minSnapshotIntervalMs: 1000, retryBaseMs: 500, retryMaxMs: 30_000, ...options };
  }

  get buffered(): number {
    return this.buffer.length;
  }

  update(ev: DepthUpdateEvent): void {
    switch (this.state) {
      case 'closed':
        return;
      case 'synced':
        this.applyLive(ev, undefined, 0);
        return;
      case 'idle':
        this.buffer.push(ev);
        this.startSync();
        return;
      case 'syncing':
        if (this.buffer.length >= this.opts.maxBuffer) this.buffer.splice(0, this.buffer.length >> 1);
        this.buffer.push(ev);
        return;
    }
  }

  close(): void {
    this.state = 'closed';
    this.abort?.abort();
    this.abort = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.buffer = [];
  }

  bestBid(): Level | undefined {
    return best(this.bids, true);
  }

  bestAsk(): Level | undefined {
    return best(this.asks, false);
  }

  /** The `n` best levels per side, sorted (O(levels·log) — for inspection, not the hot path). */
  top(n: number): { bids: Level[]; asks: Level[] } {
    const sorted = (side: Map<string, string>, desc: boolean): Level[] =>
      [...side.entries()].sort((x, y) => (desc ? Number(y[0]) - Number(x[0]) : Number(x[0]) - Number(y[0]))).slice(0, n);
    return { bids: sorted(this.bids, true), asks: sorted(this.asks, false) };
  }

  private startSync(): void {
    this.state = 'syncing';
    this.bridged = false;
    this.later(Math.max(0, this.lastFetchAt + this.opts.minSnapshotIntervalMs - performance.now()));
  }

  private later(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.fetchOnce();
    }, ms);
  }

  private async fetchOnce(): Promise<void> {
    if (this.state !== 'syncing') return;
    const controller = new AbortController();
    this.abort = controller;
    this.lastFetchAt = performance.now();
    let snapshot: DepthSnapshot;
    try {
      snapshot = await this.opts.fetchSnapshot(this.symbol, controller.signal);
    } catch (err) {
      if (controller.signal.aborted || this.state !== 'syncing') return;
      this.abort = undefined;
      this.failures++;
      this.opts.onError?.(err instanceof Error ? err : new Error(String(err)));
      const delay = Math.max(this.opts.minSnapshotIntervalMs, backoffDelay(this.failures, this.opts.retryBaseMs, this.opts.retryMaxMs));
      this.later(delay);
      return;
    }
    if (controller.signal.aborted || this.state !== 'syncing') return;
    this.abort = undefined;
    this.failures = 0;
    this.snapshots++;
    this.applySnapshot(snapshot);
  }

  private applySnapshot(snap: DepthSnapshot): void {
    const first = this.buffer[0];
    if (first && snap.lastUpdateId < first.U) {
      // The snapshot predates the first event we hold, so events between them are unknown.
      this.staleSnapshots++;
      this.later(this.opts.minSnapshotIntervalMs);
      return;
    }
    this.bids.clear();
    this.asks.clear();
    setLevels(this.bids, snap.bids);
    setLevels(this.asks, snap.asks);
    this.lastUpdateId = snap.lastUpdateId;
    this.bridged = false;
    this.state = 'synced';
    const events = this.buffer;
    this.buffer = [];
    this.opts.onSynced?.();
    for (let i = 0; i < events.length; i++) {
      if (!this.applyLive(events[i]!, events, i)) return;
    }
  }

  /** Applies one event to a synced book; false if it broke the chain and a resync began. */
  private applyLive(ev: DepthUpdateEvent, rest: DepthUpdateEvent[] | undefined, index: number): boolean {
    const local = this.lastUpdateId;
    if (this.market === 'spot') {
      if (ev.u <= local) return true;
      if (ev.U > local + 1) return this.resync(`gap: expected U <= ${local + 1}, got U=${ev.U}`, ev, rest, index);
    } else if (!this.bridged) {
      if (ev.u < local) return true;
      if (ev.U > local) return this.resync(`gap: first event U=${ev.U} after snapshot ${local}`, ev, rest, index);
      this.bridged = true;
    } else if (ev.pu !== local) {
      return this.resync(`gap: expected pu=${local}, got pu=${ev.pu}`, ev, rest, index);
    }
    setLevels(this.bids, ev.b);
    setLevels(this.asks, ev.a);
    this.lastUpdateId = ev.u;
    return true;
  }

  private resync(reason: string, ev: DepthUpdateEvent, rest: DepthUpdateEvent[] | undefined, index: number): false {
    this.resyncs++;
    this.bids.clear();
    this.asks.clear();
    this.lastUpdateId = -1;
    // The event that revealed the gap is the first of the new buffer: it is newer than anything lost.
    this.buffer = rest ? rest.slice(index) : [ev];
    this.opts.onResync?.(reason);
    if (this.state !== 'closed') this.startSync();
    return false;
  }
}

function setLevels(side: Map<string, string>, levels: Level[]): void {
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (Number(level[1]) === 0) side.delete(level[0]);
    else side.set(level[0], level[1]);
  }
}

function best(side: Map<string, string>, highest: boolean): Level | undefined {
  let price: string | undefined;
  let value = highest ? -Infinity : Infinity;
  for (const p of side.keys()) {
    const v = Number(p);
    if (highest ? v > value : v < value) {
      value = v;
      price = p;
    }
  }
  return price === undefined ? undefined : [price, side.get(price)!];
}
