// trade and aggTrade: ids continuous per stream, so a client can spot gaps and dedupe across
// connections.
import { Batch, Generator, Walk, firstIdFor, startPrice } from './generator-base.ts';
import type { Market, StreamSpec } from './streams.ts';

export class TradeGen extends Generator {
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

export class AggTradeGen extends Generator {
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
