// Event generators, one per (market, stream name), each with its own seeded PRNG, so the n-th event
// of a stream is the same for the same seed. All connections subscribed to a stream get the same
// events (same ids): a client that rotates connections can dedupe by id. Payloads are built by
// string concatenation, once per time unit and framing, and shared by every subscriber.
import { Book, type DiffTracker, type Level } from './book.ts';
import { basePrice, formatUnits, rng, type Decimals } from './numbers.ts';
import type { Market, StreamSpec } from './streams.ts';

export interface Decimalisation {
  price: Decimals;
  qty: Decimals;
}
export const PRICE_DIGITS = 2;
export const DECIMALS: Record<Market, Decimalisation> = {
  spot: { price: { digits: PRICE_DIGITS, pad: '000000' }, qty: { digits: 5, pad: '000' } },
  usdm: { price: { digits: PRICE_DIGITS, pad: '' }, qty: { digits: 3, pad: '' } },
};

/** One tick's worth of events of one stream, rendered lazily per framing and time unit. */
export class Batch {
  readonly stream: string;
  readonly count: number;
  /** First/last id carried (trade `t`, aggTrade `a`, depth `U`/`u`, book `u`/`lastUpdateId`). */
  readonly firstId: number | undefined;
  readonly lastId: number | undefined;
  /** Whether ids of consecutive events follow each other (next first = last + 1). */
  readonly continuous: boolean;
  private readonly render: (micro: boolean) => string[];
  private readonly cache: (string[] | undefined)[] = [undefined, undefined, undefined, undefined];

  constructor(
    stream: string,
    count: number,
    ids: { first?: number; last?: number; continuous: boolean },
    render: (micro: boolean) => string[],
  ) {
    this.stream = stream;
    this.count = count;
    this.firstId = ids.first;
    this.lastId = ids.last;
    this.continuous = ids.continuous;
    this.render = render;
  }

  frames(combined: boolean, micro: boolean): string[] {
    const slot = (combined ? 2 : 0) + (micro ? 1 : 0);
    let out = this.cache[slot];
    if (out) return out;
    if (!combined) out = this.render(micro);
    else {
      const head = '{"stream":"' + this.stream + '","data":';
      out = this.frames(false, micro).map((raw) => head + raw + '}');
    }
    this.cache[slot] = out;
    return out;
  }
}

export interface Subscriber {
  deliver(batch: Batch): void;
}

/** Shared state per (market, symbol): the order book several streams read and drive. */
export interface SymbolState {
  book: Book;
}

export abstract class Generator {
  readonly spec: StreamSpec;
  readonly market: Market;
  readonly rate: number;
  readonly subscribers = new Set<Subscriber>();
  protected readonly rand: () => number;
  protected readonly S: string;
  protected readonly dec: Decimalisation;
  // Pacing: events due = rate * (now - anchor) - produced.
  anchor = 0;
  produced = 0;
  idleSince: number | undefined;

  constructor(spec: StreamSpec, market: Market, rate: number, seed: number) {
    this.spec = spec;
    this.market = market;
    this.rate = rate;
    this.rand = rng(seed, market + ':' + spec.name);
    this.S = spec.symbol.toUpperCase();
    this.dec = DECIMALS[market];
  }

  abstract make(n: number, now: number): Batch;
  /** The market kept going while nobody listened: ids move on, so a late client sees the gap. */
  resume(_idleMs: number): void {}
  idle(): void {}

  protected price(units: number): string {
    return formatUnits(units, this.dec.price);
  }
  protected qty(units: number): string {
    return formatUnits(units, this.dec.qty);
  }
  protected levels(levels: Level[]): string {
    let out = '[';
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]!;
      if (i > 0) out += ',';
      out += '["' + this.price(level[0]) + '","' + this.qty(level[1]) + '"]';
    }
    return out + ']';
  }
}

/** A bounded random walk in price units, reflecting towards the start price. */
class Walk {
  value: number;
  private readonly home: number;
  constructor(home: number) {
    this.home = home;
    this.value = home;
  }
  step(r: number): number {
    let delta = r < 0.45 ? -1 : r > 0.55 ? 1 : 0;
    if (this.value < this.home / 2) delta = 1;
    else if (this.value > this.home * 2) delta = -1;
    this.value = Math.max(1, this.value + delta);
    return this.value;
  }
}

function firstIdFor(rand: () => number): number {
  return 100_000_000 + Math.floor(rand() * 900_000_000);
}

function startPrice(spec: StreamSpec, seed: number): number {
  return Math.round(basePrice(spec.symbol, seed) * 10 ** PRICE_DIGITS);
}

class TradeGen extends Generator {
  private nextId: number;
  private readonly walk: Walk;

  constructor(spec: StreamSpec, market: Market, rate: number, seed: number) {
    super(spec, market, rate, seed);
    this.nextId = firstIdFor(this.rand);
    this.walk = new Walk(startPrice(spec, seed));
  }

  override resume(idleMs: number): void {
    this.nextId += Math.floor((idleMs * this.rate) / 1000);
  }

  make(n: number, now: number): Batch {
    const r = this.rand;
    const first = this.nextId;
    const p: string[] = new Array(n);
    const q: string[] = new Array(n);
    const m: boolean[] = new Array(n);
    for (let i = 0; i < n; i++) {
      p[i] = this.price(this.walk.step(r()));
      q[i] = this.qty(1 + Math.floor(r() * 200_000));
      m[i] = r() < 0.5;
    }
    this.nextId += n;
    const head = '{"e":"trade","E":';
    const mid = ',"s":"' + this.S + '","t":';
    const tail = this.market === 'spot' ? ',"M":true}' : ',"X":"MARKET"}';
    return new Batch(this.spec.name, n, { first, last: first + n - 1, continuous: true }, (micro) => {
      const t = micro ? now * 1000 : now;
      const out: string[] = new Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = head + t + mid + (first + i) + ',"p":"' + p[i] + '","q":"' + q[i] + '","T":' + t + ',"m":' + m[i] + tail;
      }
      return out;
    });
  }
}

class AggTradeGen extends Generator {
  private nextId: number;
  private nextTradeId: number;
  private readonly walk: Walk;

  constructor(spec: StreamSpec, market: Market, rate: number, seed: number) {
    super(spec, market, rate, seed);
    this.nextId = firstIdFor(this.rand);
    this.nextTradeId = firstIdFor(this.rand) * 2;
    this.walk = new Walk(startPrice(spec, seed));
  }

  override resume(idleMs: number): void {
    const skipped = Math.floor((idleMs * this.rate) / 1000);
    this.nextId += skipped;
    this.nextTradeId += skipped * 2;
  }

  make(n: number, now: number): Batch {
    const r = this.rand;
    const first = this.nextId;
    const rows: [mid: string, m: boolean][] = new Array(n);
    for (let i = 0; i < n; i++) {
      const f = this.nextTradeId;
      const l = f + Math.floor(r() * 3);
      this.nextTradeId = l + 1;
      const mid =
        ',"s":"' + this.S + '","a":' + (first + i) + ',"p":"' + this.price(this.walk.step(r())) + '","q":"' +
        this.qty(1 + Math.floor(r() * 200_000)) + '","f":' + f + ',"l":' + l + ',"T":';
      rows[i] = [mid, r() < 0.5];
    }
    this.nextId += n;
    const tail = this.market === 'spot' ? ',"M":true}' : '}';
    return new Batch(this.spec.name, n, { first, last: first + n - 1, continuous: true }, (micro) => {
      const t = micro ? now * 1000 : now;
      return rows.map(([mid, m]) => '{"e":"aggTrade","E":' + t + mid + t + ',"m":' + m + tail);
    });
  }
}

abstract class BookGen extends Generator {
  protected readonly book: Book;
  constructor(spec: StreamSpec, market: Market, rate: number, seed: number, state: SymbolState) {
    super(spec, market, rate, seed);
    this.book = state.book;
  }
}

class BookTickerGen extends BookGen {
  make(n: number, now: number): Batch {
    const rows: string[] = new Array(n);
    const ids: number[] = new Array(n);
    const book = this.book;
    for (let i = 0; i < n; i++) {
      book.advance();
      ids[i] = book.id;
      rows[i] =
        '"u":' + book.id + ',"s":"' + this.S + '","b":"' + this.price(book.bestBid) + '","B":"' +
        this.qty(book.qtyAt(true, book.bestBid)) + '","a":"' + this.price(book.bestAsk) + '","A":"' +
        this.qty(book.qtyAt(false, book.bestAsk)) + '"';
    }
    const usdm = this.market === 'usdm';
    return new Batch(this.spec.name, n, { first: ids[0], last: ids[n - 1], continuous: false }, (micro) => {
      const t = micro ? now * 1000 : now;
      return rows.map((row) => (usdm ? '{"e":"bookTicker",' + row + ',"T":' + t + ',"E":' + t + '}' : '{' + row + '}'));
    });
  }
}

class DiffDepthGen extends BookGen {
  private tracker: DiffTracker | undefined;

  private ensureTracker(): DiffTracker {
    this.tracker ??= this.book.track();
    return this.tracker;
  }

  override idle(): void {
    if (this.tracker) this.book.untrack(this.tracker);
    this.tracker = undefined;
  }

  make(n: number, now: number): Batch {
    const tracker = this.ensureTracker();
    const rows: [U: number, u: number, pu: number, b: string, a: string][] = [];
    for (let i = 0; i < n; i++) {
      this.book.advance();
      const { bids, asks } = tracker.take();
      rows.push([tracker.lastU + 1, this.book.id, tracker.lastU, this.levels(bids), this.levels(asks)]);
      tracker.lastU = this.book.id;
    }
    const usdm = this.market === 'usdm';
    const S = this.S;
    return new Batch(this.spec.name, n, { first: rows[0]?.[0], last: rows[n - 1]?.[1], continuous: true }, (micro) => {
      const t = micro ? now * 1000 : now;
      return rows.map(([U, u, pu, b, a]) =>
        usdm
          ? '{"e":"depthUpdate","E":' + t + ',"T":' + t + ',"s":"' + S + '","U":' + U + ',"u":' + u + ',"pu":' + pu + ',"b":' + b + ',"a":' + a + '}'
          : '{"e":"depthUpdate","E":' + t + ',"s":"' + S + '","U":' + U + ',"u":' + u + ',"b":' + b + ',"a":' + a + '}',
      );
    });
  }
}

class PartialDepthGen extends BookGen {
  private lastU: number | undefined;

  make(n: number, now: number): Batch {
    const levels = this.spec.levels ?? 5;
    const rows: [U: number, u: number, pu: number, b: string, a: string][] = [];
    for (let i = 0; i < n; i++) {
      const pu = this.lastU ?? this.book.id;
      this.book.advance();
      const { bids, asks } = this.book.top(levels);
      rows.push([pu + 1, this.book.id, pu, this.levels(bids), this.levels(asks)]);
      this.lastU = this.book.id;
    }
    const usdm = this.market === 'usdm';
    const S = this.S;
    return new Batch(this.spec.name, n, { first: rows[0]?.[1], last: rows[n - 1]?.[1], continuous: false }, (micro) => {
      const t = micro ? now * 1000 : now;
      return rows.map(([U, u, pu, b, a]) =>
        usdm
          ? '{"e":"depthUpdate","E":' + t + ',"T":' + t + ',"s":"' + S + '","U":' + U + ',"u":' + u + ',"pu":' + pu + ',"b":' + b + ',"a":' + a + '}'
          : '{"lastUpdateId":' + u + ',"bids":' + b + ',"asks":' + a + '}',
      );
    });
  }
}

const INTERVAL_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};
const MONDAY_OFFSET = 4 * 86_400_000; // 1970-01-01 was a Thursday; Binance weeks start on Monday

function klineBounds(interval: string, now: number): [open: number, close: number] {
  const n = Number(interval.slice(0, -1));
  const unit = interval.slice(-1);
  if (unit === 'M') {
    const d = new Date(now);
    const open = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    return [open, Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1) - 1];
  }
  const ms = n * INTERVAL_MS[unit]!;
  const shift = unit === 'w' ? MONDAY_OFFSET : 0;
  const open = Math.floor((now - shift) / ms) * ms + shift;
  return [open, open + ms - 1];
}

class KlineGen extends Generator {
  private readonly walk: Walk;
  private nextTradeId: number;
  private open = -1;
  private close = -1;
  private o = 0;
  private h = 0;
  private l = 0;
  private v = 0;
  private vb = 0;
  private q = 0;
  private qb = 0;
  private n = 0;
  private f = -1;

  constructor(spec: StreamSpec, market: Market, rate: number, seed: number) {
    super(spec, market, rate, seed);
    this.walk = new Walk(startPrice(spec, seed));
    this.nextTradeId = firstIdFor(this.rand);
  }

  make(count: number, now: number): Batch {
    const rows: [open: number, close: number, body: string][] = [];
    for (let i = 0; i < count; i++) {
      if (now > this.close) {
        if (this.open >= 0) rows.push([this.open, this.close, this.body(true)]);
        this.startBucket(now);
      }
      this.trade();
      rows.push([this.open, this.close, this.body(false)]);
    }
    const head = '{"e":"kline","E":';
    const S = this.S;
    return new Batch(this.spec.name, rows.length, { continuous: false }, (micro) => {
      const k = micro ? 1000 : 1;
      return rows.map(
        ([open, close, body]) => head + now * k + ',"s":"' + S + '","k":{"t":' + open * k + ',"T":' + close * k + body,
      );
    });
  }

  private startBucket(now: number): void {
    [this.open, this.close] = klineBounds(this.spec.interval ?? '1m', now);
    this.o = this.h = this.l = this.walk.value;
    this.v = this.vb = this.q = this.qb = this.n = 0;
    this.f = -1;
  }

  private trade(): void {
    const r = this.rand;
    const price = this.walk.step(r());
    const qty = 1 + Math.floor(r() * 200_000);
    if (price > this.h) this.h = price;
    if (price < this.l) this.l = price;
    this.v += qty;
    const quote = (price * qty) / 10 ** (PRICE_DIGITS + this.dec.qty.digits);
    this.q += quote;
    if (r() < 0.5) {
      this.vb += qty;
      this.qb += quote;
    }
    if (this.f < 0) this.f = this.nextTradeId;
    this.nextTradeId++;
    this.n++;
  }

  // Times depend on the time unit, so the body starts right after them.
  private body(closed: boolean): string {
    return (
      ',"s":"' + this.S + '","i":"' + this.spec.interval + '","f":' + this.f + ',"L":' +
      (this.nextTradeId - 1) + ',"o":"' + this.price(this.o) + '","c":"' + this.price(this.walk.value) + '","h":"' +
      this.price(this.h) + '","l":"' + this.price(this.l) + '","v":"' + this.qty(this.v) + '","n":' + this.n +
      ',"x":' + closed + ',"q":"' + this.q.toFixed(8) + '","V":"' + this.qty(this.vb) + '","Q":"' + this.qb.toFixed(8) +
      '","B":"0"}}'
    );
  }
}

/** miniTicker, ticker, avgPrice and markPrice: 24 h statistics over a private walk. */
class StatsGen extends Generator {
  private readonly walk: Walk;
  private readonly open: number;
  private h: number;
  private l: number;
  private v = 0;
  private q = 0;
  private count = 0;
  private readonly firstTrade: number;

  constructor(spec: StreamSpec, market: Market, rate: number, seed: number) {
    super(spec, market, rate, seed);
    this.walk = new Walk(startPrice(spec, seed));
    this.open = this.h = this.l = this.walk.value;
    this.firstTrade = firstIdFor(this.rand);
  }

  make(n: number, now: number): Batch {
    const rows: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = this.rand;
      const c = this.walk.step(r());
      const lastQty = 1 + Math.floor(r() * 200_000);
      this.h = Math.max(this.h, c);
      this.l = Math.min(this.l, c);
      this.v += lastQty;
      this.q += (c * lastQty) / 10 ** (PRICE_DIGITS + this.dec.qty.digits);
      this.count++;
      rows.push(this.row(c, lastQty));
    }
    const S = this.S;
    const kind = this.spec.kind;
    return new Batch(this.spec.name, n, { continuous: false }, (micro) => {
      const k = micro ? 1000 : 1;
      const t = now * k;
      return rows.map((row) => {
        switch (kind) {
          case 'miniTicker':
            return '{"e":"24hrMiniTicker","E":' + t + ',"s":"' + S + '"' + row + '}';
          case 'ticker':
            return '{"e":"24hrTicker","E":' + t + ',"s":"' + S + '"' + row + ',"O":' + (now - 86_400_000) * k + ',"C":' + t + '}';
          case 'avgPrice':
            return '{"e":"avgPrice","E":' + t + ',"s":"' + S + '","i":"5m"' + row + ',"T":' + t + '}';
          default: {
            const nextFunding = (Math.floor(now / 28_800_000) + 1) * 28_800_000 * k;
            return '{"e":"markPriceUpdate","E":' + t + ',"s":"' + S + '"' + row + ',"T":' + nextFunding + '}';
          }
        }
      });
    });
  }

  private row(c: number, lastQty: number): string {
    const price = (units: number) => this.price(units);
    const volume = ',"v":"' + this.qty(this.v) + '","q":"' + this.q.toFixed(8) + '"';
    switch (this.spec.kind) {
      case 'miniTicker':
        return ',"c":"' + price(c) + '","o":"' + price(this.open) + '","h":"' + price(this.h) + '","l":"' + price(this.l) + '"' + volume;
      case 'ticker': {
        const change = c - this.open;
        const pct = ((change / this.open) * 100).toFixed(3);
        const sign = change < 0 ? '-' : '';
        const wavg = this.v ? (this.q / (this.v / 10 ** this.dec.qty.digits)).toFixed(8) : '0';
        return (
          ',"p":"' + sign + price(Math.abs(change)) + '","P":"' + pct + '","w":"' + wavg + '","x":"' + price(this.open) +
          '","c":"' + price(c) + '","Q":"' + this.qty(lastQty) + '","b":"' + price(Math.max(1, c - 1)) + '","B":"' +
          this.qty(lastQty) + '","a":"' + price(c + 1) + '","A":"' + this.qty(lastQty) + '","o":"' + price(this.open) +
          '","h":"' + price(this.h) + '","l":"' + price(this.l) + '"' + volume + ',"F":' + this.firstTrade + ',"L":' +
          (this.firstTrade + this.count - 1) + ',"n":' + this.count
        );
      }
      case 'avgPrice':
        return ',"w":"' + price(c) + '"';
      default:
        return ',"p":"' + price(c) + '","i":"' + price(c) + '","P":"' + price(c) + '","r":"0.00010000"';
    }
  }
}

/** All-market streams are valid names but this simulator sends nothing on them. */
class SilentGen extends Generator {
  make(): Batch {
    return new Batch(this.spec.name, 0, { continuous: false }, () => []);
  }
}

export function createGenerator(
  spec: StreamSpec,
  market: Market,
  rate: number,
  seed: number,
  state: () => SymbolState,
): Generator {
  switch (spec.kind) {
    case 'trade':
      return new TradeGen(spec, market, rate, seed);
    case 'aggTrade':
      return new AggTradeGen(spec, market, rate, seed);
    case 'bookTicker':
      return new BookTickerGen(spec, market, rate, seed, state());
    case 'depth':
      return new DiffDepthGen(spec, market, rate, seed, state());
    case 'partialDepth':
      return new PartialDepthGen(spec, market, rate, seed, state());
    case 'kline':
      return new KlineGen(spec, market, rate, seed);
    case 'allMarket':
      return new SilentGen(spec, market, 0, seed);
    default:
      return new StatsGen(spec, market, rate, seed);
  }
}

export function createSymbolState(market: Market, symbol: string, seed: number): SymbolState {
  const rand = rng(seed, market + ':' + symbol + ':book');
  const mid = Math.round(basePrice(symbol, seed) * 10 ** PRICE_DIGITS);
  return { book: new Book(rand, mid, firstIdFor(rand)) };
}
