// One order book per (market, symbol). Every level change is one update id, so a REST snapshot
// (state at `id`) and the diff streams (all changes in [U, u]) agree by construction: a client that
// follows the documented local-book procedure must converge on exactly this book.

const INITIAL_LEVELS = 50;
const MIN_LEVELS = 10;
const MAX_LEVELS = 200;
/** New levels land within this many ticks of the top, mostly near it. */
const WINDOW = 50;
const MAX_QTY = 500_000;

export type Level = [price: number, qty: number];

/** Collects the latest quantity of every level changed since the stream's last event. */
export class DiffTracker {
  lastU: number;
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();

  constructor(lastU: number) {
    this.lastU = lastU;
  }

  take(): { bids: Level[]; asks: Level[] } {
    const bids = [...this.bids];
    const asks = [...this.asks];
    this.bids.clear();
    this.asks.clear();
    return { bids, asks };
  }
}

export class Book {
  id: number;
  bestBid = 0;
  bestAsk = 0;
  private readonly bids = new Map<number, number>();
  private readonly asks = new Map<number, number>();
  private readonly trackers = new Set<DiffTracker>();
  private readonly rand: () => number;

  constructor(rand: () => number, mid: number, firstId: number) {
    this.rand = rand;
    this.id = firstId;
    const top = Math.max(mid, INITIAL_LEVELS + 2);
    for (let i = 1; i <= INITIAL_LEVELS; i++) {
      this.bids.set(top - i, 1 + Math.floor(rand() * MAX_QTY));
      this.asks.set(top + i, 1 + Math.floor(rand() * MAX_QTY));
    }
    this.bestBid = top - 1;
    this.bestAsk = top + 1;
  }

  get tracked(): number {
    return this.trackers.size;
  }

  track(): DiffTracker {
    const tracker = new DiffTracker(this.id);
    this.trackers.add(tracker);
    return tracker;
  }

  untrack(tracker: DiffTracker): void {
    this.trackers.delete(tracker);
  }

  /**
   * A random number (1-4) of updates. The count is drawn from the book's own PRNG so the sequence
   * of updates by id is the same whichever stream drives the book, whatever the timing.
   */
  advance(): void {
    const k = 1 + Math.floor(this.rand() * 4);
    for (let i = 0; i < k; i++) this.update();
  }

  top(n: number): { bids: Level[]; asks: Level[] } {
    const bids = [...this.bids].sort((x, y) => y[0] - x[0]);
    const asks = [...this.asks].sort((x, y) => x[0] - y[0]);
    if (bids.length > n) bids.length = n;
    if (asks.length > n) asks.length = n;
    return { bids, asks };
  }

  private update(): void {
    const r = this.rand;
    const bid = r() < 0.5;
    const side = bid ? this.bids : this.asks;
    let price: number;
    let qty: number;
    if (side.size > MAX_LEVELS) {
      price = worst(side, bid);
      qty = 0;
    } else {
      const offset = Math.floor(r() * r() * WINDOW);
      price = bid
        ? Math.max(1, Math.min(this.bestBid + 1 - offset, this.bestAsk - 1))
        : Math.max(this.bestAsk - 1 + offset, this.bestBid + 1);
      const remove = side.has(price) && side.size > MIN_LEVELS && r() < 0.3;
      qty = remove ? 0 : 1 + Math.floor(r() * MAX_QTY);
    }
    this.set(bid, price, qty);
  }

  private set(bid: boolean, price: number, qty: number): void {
    const side = bid ? this.bids : this.asks;
    if (qty === 0) {
      side.delete(price);
      if (bid && price === this.bestBid) this.bestBid = Math.max(...side.keys());
      if (!bid && price === this.bestAsk) this.bestAsk = Math.min(...side.keys());
    } else {
      side.set(price, qty);
      if (bid && price > this.bestBid) this.bestBid = price;
      if (!bid && price < this.bestAsk) this.bestAsk = price;
    }
    this.id++;
    for (const tracker of this.trackers) (bid ? tracker.bids : tracker.asks).set(price, qty);
  }

  qtyAt(bid: boolean, price: number): number {
    return (bid ? this.bids : this.asks).get(price) ?? 0;
  }
}

function worst(side: Map<number, number>, bid: boolean): number {
  let w = bid ? Infinity : -Infinity;
  for (const price of side.keys()) if (bid ? price < w : price > w) w = price;
  return w;
}
