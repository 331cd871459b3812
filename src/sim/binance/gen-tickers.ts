// Statistics streams over a private walk: kline, miniTicker, ticker, avgPrice, markPrice; and the
// all-market streams, which are valid names but send nothing here.
import { Batch, Generator, PRICE_DIGITS, Walk, firstIdFor, startPrice } from './generator-base.ts';
import type { Market, StreamSpec } from './streams.ts';

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

export class KlineGen extends Generator {
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
export class StatsGen extends Generator {
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

export class SilentGen extends Generator {
  make(): Batch {
    return new Batch(this.spec.name, 0, { continuous: false }, () => []);
  }
}
