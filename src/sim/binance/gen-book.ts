// Streams read from the shared order book of their symbol: bookTicker, diff depth and partial
// depth. Each event first advances the book, so these streams also drive it.
import type { Book, DiffTracker } from './book.ts';
import { Batch, Generator, type SymbolState } from './generator-base.ts';
import type { Market, StreamSpec } from './streams.ts';

abstract class BookGen extends Generator {
  protected readonly book: Book;
  constructor(spec: StreamSpec, market: Market, rate: number, seed: number, state: SymbolState) {
    super(spec, market, rate, seed);
    this.book = state.book;
  }
}

export class BookTickerGen extends BookGen {
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

export class DiffDepthGen extends BookGen {
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

export class PartialDepthGen extends BookGen {
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
