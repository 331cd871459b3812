// Binance market-stream simulator: spot and USD-M market streams, control frames, connection rules
// and the REST endpoints a stream client uses, on one local port, with seeded data and faults.
// Built from Binance's published API docs only (docs/binance-routes.md for the one route they
// leave open), never from the clients in src/exchanges/, so a misreading on either side shows up as a failing test.
import { FaultInjector, type FaultPlanInput } from '../faults.ts';
import { faultHandlers } from './fault-handlers.ts';
import { Hub } from './hub.ts';
import type { Rules } from './rules.ts';
import { SimServer } from './server.ts';
import { StatsCollector, type BinanceSimStats } from './stats.ts';

export type { BinanceSimStats, ConnectionStats, StreamSendStats } from './stats.ts';
export type { Rules as BinanceSimRules } from './rules.ts';

export interface BinanceSimOptions {
  /** Default '127.0.0.1': the simulator never binds elsewhere unless asked. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Default 1; the same seed gives the same sequence per symbol and stream. */
  seed?: number;
  /** Messages/s of each real-time stream (trade, aggTrade, bookTicker); default 10; 0 = on demand only. */
  rate?: number;
  /** Per stream-type override, e.g. { trade: 50, depth: 10, 'depth@100ms': 20, kline: 1 }. */
  rates?: Record<string, number>;
  /** Symbols exchangeInfo lists (default BTCUSDT, ETHUSDT, BNBUSDT); streams for others are served too. */
  symbols?: string[];
  /** Defaults are Binance's spot values (USD-M connections: USD-M keepalive and incoming rate). */
  rules?: Partial<Rules>;
  faults?: FaultPlanInput;
}

export interface BinanceSim {
  /** 'ws://127.0.0.1:PORT' */
  url: string;
  /** 'http://127.0.0.1:PORT' */
  httpUrl: string;
  port: number;
  faults: FaultInjector;
  /** What the simulator sent; also at GET /_sim/stats. */
  stats(): BinanceSimStats;
  /** Closes every socket, timer and the listener. */
  close(): Promise<void>;
}

export async function startBinanceSim(opts: BinanceSimOptions = {}): Promise<BinanceSim> {
  const host = opts.host ?? '127.0.0.1';
  const stats = new StatsCollector();
  let server: SimServer | undefined;
  const hub = new Hub({
    seed: opts.seed ?? 1,
    rate: opts.rate ?? 10,
    rates: opts.rates ?? {},
    now: Date.now,
    clock: () => server!.clock(),
  });
  server = new SimServer({
    host,
    port: opts.port ?? 0,
    hub,
    stats,
    symbols: (opts.symbols ?? ['BTCUSDT', 'ETHUSDT', 'BNBUSDT']).map((s) => s.toUpperCase()),
    rules: opts.rules ?? {},
  });
  const sim = server;
  const faults = new FaultInjector(opts.faults, faultHandlers(sim));
  sim.faults = faults;
  const port = await sim.listen();
  faults.start();
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: `ws://${authority}`,
    httpUrl: `http://${authority}`,
    port,
    faults,
    stats: () => stats.snapshot(faults.log),
    close: () => sim.close(),
  };
}
