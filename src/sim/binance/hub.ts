// Owns the generators and paces them from one timer: each tick emits every active stream's due
// events as one batch, which is cheaper than a timer per stream or per message and keeps the
// simulator to a single timer however many streams are subscribed.
import type { Book } from './book.ts';
import { createGenerator, createSymbolState, type Batch, type Generator, type Subscriber, type SymbolState } from './generator.ts';
import { rateFor, type Market, type StreamSpec } from './streams.ts';

const TICK_MS = 10;
/** After an event-loop stall, emit at most this much backlog at once and drop the rest. */
const MAX_CATCHUP_MS = 100;
/** Idle generators kept (so ids stay continuous across reconnects) before the oldest are dropped. */
const MAX_IDLE_GENERATORS = 10_000;
const MAX_IDLE_SYMBOLS = 10_000;

export interface HubOptions {
  seed: number;
  rate: number;
  rates: Record<string, number>;
  /** Monotonic-ish wall time for pacing. */
  now: () => number;
  /** Exchange time stamped into events (may be skewed by a fault). */
  clock: () => number;
}

interface SymbolEntry extends SymbolState {
  generators: number;
}

export class Hub {
  private readonly opts: HubOptions;
  private readonly generators = new Map<string, Generator>();
  private readonly active = new Set<Generator>();
  private readonly symbols = new Map<string, SymbolEntry>();
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: HubOptions) {
    this.opts = opts;
  }

  attach(sub: Subscriber, spec: StreamSpec, market: Market): Generator {
    const gen = this.generator(spec, market);
    if (gen.subscribers.size === 0) {
      const now = this.opts.now();
      if (gen.idleSince !== undefined) gen.resume(now - gen.idleSince);
      gen.idleSince = undefined;
      gen.anchor = now;
      gen.produced = 0;
      if (gen.rate > 0) this.active.add(gen);
      this.ensureTimer();
    }
    gen.subscribers.add(sub);
    return gen;
  }

  detach(sub: Subscriber, spec: StreamSpec, market: Market): void {
    const gen = this.generators.get(market + ':' + spec.name);
    if (!gen || !gen.subscribers.delete(sub) || gen.subscribers.size > 0) return;
    gen.idle();
    gen.idleSince = this.opts.now();
    this.active.delete(gen);
    if (this.active.size === 0) this.stopTimer();
  }

  /** Emits `count` extra events on these streams now, to every subscriber (ids stay gap-free). */
  burst(streams: Iterable<[Market, StreamSpec]>, count: number): string[] {
    const names: string[] = [];
    for (const [market, spec] of streams) {
      const gen = this.generators.get(market + ':' + spec.name);
      if (!gen || gen.subscribers.size === 0 || spec.kind === 'allMarket') continue;
      names.push(spec.name);
      this.broadcast(gen, gen.make(count, this.opts.clock()));
    }
    return names;
  }

  book(market: Market, symbol: string): Book {
    return this.symbol(market, symbol).book;
  }

  get activeStreams(): number {
    return this.active.size;
  }

  stop(): void {
    this.stopTimer();
    this.active.clear();
  }

  private generator(spec: StreamSpec, market: Market): Generator {
    const key = market + ':' + spec.name;
    let gen = this.generators.get(key);
    if (gen) return gen;
    const rate = rateFor(spec, this.opts.rate, this.opts.rates);
    let entry: SymbolEntry | undefined;
    gen = createGenerator(spec, market, rate, this.opts.seed, () => {
      entry = this.symbol(market, spec.symbol);
      return entry;
    });
    if (entry) entry.generators++;
    this.generators.set(key, gen);
    if (this.generators.size > MAX_IDLE_GENERATORS) this.evictGenerator();
    return gen;
  }

  private symbol(market: Market, symbol: string): SymbolEntry {
    const key = market + ':' + symbol;
    let entry = this.symbols.get(key);
    if (!entry) {
      entry = { ...createSymbolState(market, symbol, this.opts.seed), generators: 0 };
      this.symbols.set(key, entry);
      if (this.symbols.size > MAX_IDLE_SYMBOLS) {
        for (const [k, e] of this.symbols) {
          if (e.generators === 0 && e !== entry) {
            this.symbols.delete(k);
            break;
          }
        }
      }
    }
    return entry;
  }

  private evictGenerator(): void {
    for (const [key, gen] of this.generators) {
      if (gen.subscribers.size > 0) continue;
      this.generators.delete(key);
      const entry = this.symbols.get(gen.market + ':' + gen.spec.symbol);
      if (entry && ['bookTicker', 'depth', 'partialDepth'].includes(gen.spec.kind)) entry.generators--;
      return;
    }
  }

  private ensureTimer(): void {
    if (this.timer || this.active.size === 0) return;
    this.timer = setInterval(this.tick, TICK_MS);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private readonly tick = (): void => {
    const now = this.opts.now();
    const stamp = this.opts.clock();
    for (const gen of this.active) {
      const target = Math.floor(((now - gen.anchor) * gen.rate) / 1000);
      let due = target - gen.produced;
      if (due <= 0) continue;
      const cap = Math.max(1, Math.ceil((gen.rate * MAX_CATCHUP_MS) / 1000));
      if (due > cap) due = cap;
      gen.produced = target;
      this.broadcast(gen, gen.make(due, stamp));
    }
  };

  private broadcast(gen: Generator, batch: Batch): void {
    if (batch.count === 0) return;
    for (const sub of gen.subscribers) {
      try {
        sub.deliver(batch);
      } catch {
        // One broken subscriber must not starve the others; its socket's own error path closes it.
      }
    }
  }
}
