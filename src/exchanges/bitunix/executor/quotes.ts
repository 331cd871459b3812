// The executor's market prices: the latest stream quote (depth_book1 and ticker pushes), or one
// REST depth read when the stream is stale or absent. A REST read serves one tick only and is
// never stored, so a silent stream cannot hide behind an old REST answer.
import type { BitunixRest } from '../rest.ts';
import type { Quote } from './pricing.ts';

export class QuoteFeed {
  private readonly symbol: string;
  private readonly staleMs: number;
  private quote: (Quote & { ts: number }) | undefined;

  constructor(symbol: string, staleMs: number) {
    this.symbol = symbol;
    this.staleMs = staleMs;
  }

  readonly onDepth = (top: { symbol?: string | undefined; bid?: string | undefined; ask?: string | undefined }): void => {
    if (top.symbol !== undefined && top.symbol !== this.symbol) return;
    this.quote = { ...this.quote, bid: top.bid ?? this.quote?.bid, ask: top.ask ?? this.quote?.ask, ts: Date.now() };
  };

  readonly onTicker = (ticker: { symbol: string; lastPrice?: string | undefined }): void => {
    if (ticker.symbol !== this.symbol || ticker.lastPrice === undefined) return;
    // A last price alone is a fallback: keep the book side when we have it.
    this.quote = { ...this.quote, last: ticker.lastPrice, ts: this.quote?.bid || this.quote?.ask ? this.quote.ts : Date.now() };
  };

  /** The fresh stream quote, else REST depth; undefined (after `onError`) when REST fails. */
  async current(rest: BitunixRest, onError: (err: unknown) => void): Promise<Quote | undefined> {
    if (this.quote && Date.now() - this.quote.ts <= this.staleMs) return this.quote;
    try {
      const top = await rest.getDepth(this.symbol, '1');
      return { bid: top.bid, ask: top.ask, last: this.quote?.last };
    } catch (err) {
      onError(err);
      return undefined;
    }
  }
}
