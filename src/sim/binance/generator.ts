// One generator per (market, stream name); book streams share their symbol's order book.
import { Book } from './book.ts';
import { PRICE_DIGITS, firstIdFor, type Generator, type SymbolState } from './generator-base.ts';
import { BookTickerGen, DiffDepthGen, PartialDepthGen } from './gen-book.ts';
import { KlineGen, SilentGen, StatsGen } from './gen-tickers.ts';
import { AggTradeGen, TradeGen } from './gen-trades.ts';
import { basePrice, rng } from './numbers.ts';
import type { Market, StreamSpec } from './streams.ts';

export { Batch, DECIMALS, Generator, type Subscriber, type SymbolState } from './generator-base.ts';

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
