// The parts every stream generator shares: the batch a tick emits (rendered once per framing and
// time unit, then shared by every subscriber), the pacing state the hub reads, number formatting
// and the random walk. Each generator has its own seeded PRNG, so the n-th event of a stream is
// the same for the same seed whatever else is subscribed.
import type { Book, Level } from './book.ts';
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
export class Walk {
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

export function firstIdFor(rand: () => number): number {
  return 100_000_000 + Math.floor(rand() * 900_000_000);
}

export function startPrice(spec: StreamSpec, seed: number): number {
  return Math.round(basePrice(spec.symbol, seed) * 10 ** PRICE_DIGITS);
}
