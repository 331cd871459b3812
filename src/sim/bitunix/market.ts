// The simulated market: a seeded random walk per symbol plus the public views derived from it
// (ticker, depth, trades). Prices are kept as integer ticks so matching never suffers from float
// rounding; every view is a pure function of (seed, symbol, step), so the same seed gives the same
// walk and the same pushes no matter how many clients subscribe.
import { mulberry32 } from '../faults.ts';

export interface SymbolSpec {
  symbol: string;
  base: string;
  quote: string;
  basePrecision: number;
  quotePrecision: number;
  minTradeVolume: string;
  maxLimitOrderVolume: string;
  maxMarketOrderVolume: string;
  priceProtectScope: number;
  startPrice: number;
}

// Precisions and minimums as Bitunix lists them for the two default pairs (market/trading_pairs).
const KNOWN: Record<string, Partial<SymbolSpec>> = {
  BTCUSDT: { basePrecision: 4, quotePrecision: 1, minTradeVolume: '0.0001', startPrice: 60_000 },
  ETHUSDT: { basePrecision: 3, quotePrecision: 2, minTradeVolume: '0.001', startPrice: 3_000 },
};

function symbolSpec(symbol: string): SymbolSpec {
  const known = KNOWN[symbol] ?? {};
  const quote = symbol.endsWith('USDT') ? 'USDT' : symbol.slice(-4);
  return {
    symbol,
    base: symbol.slice(0, symbol.length - quote.length),
    quote,
    basePrecision: known.basePrecision ?? 1,
    quotePrecision: known.quotePrecision ?? 4,
    minTradeVolume: known.minTradeVolume ?? '1',
    maxLimitOrderVolume: '100000',
    maxMarketOrderVolume: '50000',
    priceProtectScope: 0.02,
    startPrice: known.startPrice ?? 100,
  };
}

/** Formats a scaled integer as Bitunix does: fixed decimals with trailing zeros removed. */
export function formatScaled(value: number, decimals: number): string {
  const text = (value / 10 ** decimals).toFixed(decimals);
  return decimals > 0 ? text.replace(/\.?0+$/, '') : text;
}

/** Parses a decimal string to a scaled integer, or undefined when it has more decimals than allowed. */
export function parseScaled(text: string, decimals: number): number | undefined {
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
  const [whole, frac = ''] = text.split('.');
  if (frac.replace(/0+$/, '').length > decimals) return undefined;
  return Number(whole) * 10 ** decimals + Number((frac + '0'.repeat(decimals)).slice(0, decimals) || '0');
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A stable pseudo-random number in [0, 1) for a key, without shared PRNG state. */
function hash01(seed: number, ...parts: (string | number)[]): number {
  return mulberry32(fnv1a(`${seed}|${parts.join('|')}`))();
}

interface Book {
  spec: SymbolSpec;
  rand: () => number;
  raw: number; // unrounded walk value, so rounding never biases the walk
  ticks: number; // last price in ticks
  openTicks: number;
  highTicks: number;
  lowTicks: number;
  baseVol: number;
  quoteVol: number;
  lastMoveUp: boolean;
}

export interface Trade {
  t: string;
  p: string;
  v: string;
  s: 'buy' | 'sell';
}

/**
 * Geometric random walk: each step multiplies the price by exp(sigma * z), z ~ N(0,1), with sigma
 * `volatilityBps` basis points (default 0.2 bp per step). At one step a second that moves BTC about
 * $1.2 a step; an order 0.05 % (≈ $30) from the touch is ~3 standard deviations of a minute's
 * movement away, so it rarely fills, while an order at the touch fills within seconds — which is
 * what an adaptive-limit executor meets on a real book.
 */
export class Market {
  readonly seed: number;
  readonly symbols: string[];
  private readonly books = new Map<string, Book>();
  private readonly sigma: number;
  private stepCount = 0;

  constructor(seed: number, symbols: string[], volatilityBps = 0.2) {
    this.seed = seed;
    this.symbols = symbols;
    this.sigma = volatilityBps / 10_000;
    for (const symbol of symbols) {
      const spec = symbolSpec(symbol);
      const rand = mulberry32(seed ^ fnv1a(symbol));
      // A small seeded offset so different seeds start from different, but plausible, prices.
      const raw = spec.startPrice * (1 + (rand() - 0.5) * 0.01);
      const ticks = Math.round(raw * 10 ** spec.quotePrecision);
      this.books.set(symbol, {
        spec,
        rand,
        raw,
        ticks,
        openTicks: ticks,
        highTicks: ticks,
        lowTicks: ticks,
        baseVol: 0,
        quoteVol: 0,
        lastMoveUp: true,
      });
    }
  }

  get steps(): number {
    return this.stepCount;
  }

  has(symbol: string): boolean {
    return this.books.has(symbol);
  }

  spec(symbol: string): SymbolSpec | undefined {
    return this.books.get(symbol)?.spec;
  }

  /** Advances every symbol one step. */
  step(): void {
    this.stepCount++;
    for (const [symbol, book] of this.books) {
      // Box–Muller from the symbol's own stream keeps each walk independent of the symbol list.
      const u1 = 1 - book.rand();
      const u2 = book.rand();
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      book.raw *= Math.exp(this.sigma * z);
      const ticks = Math.max(1, Math.round(book.raw * 10 ** book.spec.quotePrecision));
      book.lastMoveUp = ticks >= book.ticks;
      book.ticks = ticks;
      book.highTicks = Math.max(book.highTicks, ticks);
      book.lowTicks = Math.min(book.lowTicks, ticks);
      const qty = this.tradeQty(symbol, this.stepCount);
      book.baseVol += qty;
      book.quoteVol += qty * this.price(symbol);
    }
  }

  /** Last price as a number (for inspection). */
  price(symbol: string): number {
    const book = this.mustBook(symbol);
    return book.ticks / 10 ** book.spec.quotePrecision;
  }

  /** Best bid is the last price; best ask one tick above. */
  bidTicks(symbol: string): number {
    return this.mustBook(symbol).ticks;
  }

  askTicks(symbol: string): number {
    return this.mustBook(symbol).ticks + 1;
  }

  fmtPrice(symbol: string, ticks: number): string {
    return formatScaled(ticks, this.mustBook(symbol).spec.quotePrecision);
  }

  ticker(symbol: string): Record<string, string> {
    const b = this.mustBook(symbol);
    const p = b.spec.quotePrecision;
    const change = ((b.ticks - b.openTicks) / b.openTicks) * 100;
    return {
      s: symbol,
      o: formatScaled(b.openTicks, p),
      h: formatScaled(b.highTicks, p),
      l: formatScaled(b.lowTicks, p),
      la: formatScaled(b.ticks, p),
      b: b.baseVol.toFixed(b.spec.basePrecision),
      q: b.quoteVol.toFixed(2),
      r: change.toFixed(4),
    };
  }

  restTicker(symbol: string): Record<string, string> {
    const t = this.ticker(symbol);
    return {
      symbol,
      markPrice: t.la!,
      lastPrice: t.la!,
      open: t.o!,
      last: t.la!,
      quoteVol: t.q!,
      baseVol: t.b!,
      high: t.h!,
      low: t.l!,
    };
  }

  /** `levels` price levels a side, best first: bids descending, asks ascending. */
  depth(symbol: string, levels: number): { b: [string, string][]; a: [string, string][] } {
    const book = this.mustBook(symbol);
    const { quotePrecision: qp, basePrecision: bp } = book.spec;
    const b: [string, string][] = [];
    const a: [string, string][] = [];
    for (let i = 0; i < levels; i++) {
      const bidSize = 0.05 + hash01(this.seed, symbol, this.stepCount, 'b', i) * 3;
      const askSize = 0.05 + hash01(this.seed, symbol, this.stepCount, 'a', i) * 3;
      b.push([formatScaled(book.ticks - i, qp), bidSize.toFixed(bp)]);
      a.push([formatScaled(book.ticks + 1 + i, qp), askSize.toFixed(bp)]);
    }
    return { b, a };
  }

  /** The public trades of the current step (one per step, on the side the price moved to). */
  trades(symbol: string, now: number): Trade[] {
    const book = this.mustBook(symbol);
    const up = book.lastMoveUp;
    return [
      {
        t: new Date(now).toISOString(),
        p: formatScaled(up ? book.ticks + 1 : book.ticks, book.spec.quotePrecision),
        v: this.tradeQty(symbol, this.stepCount).toFixed(book.spec.basePrecision),
        s: up ? 'buy' : 'sell',
      },
    ];
  }

  private tradeQty(symbol: string, step: number): number {
    const spec = this.mustBook(symbol).spec;
    const unit = 10 ** -spec.basePrecision;
    return Math.max(unit, Math.round((hash01(this.seed, symbol, step, 'v') * 0.5) / unit) * unit);
  }

  private mustBook(symbol: string): Book {
    const book = this.books.get(symbol);
    if (!book) throw new Error(`unknown symbol ${symbol}`);
    return book;
  }
}
