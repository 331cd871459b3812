// Bitunix USDT-M futures simulator: the safe venue (Bitunix has no testnet). REST and both
// WebSocket paths on one loopback port, real signature checks, a seeded market, and the fault
// kinds of ../faults.ts. See README.md beside this file for the behaviour it chooses where the docs
// are silent.
import { FaultInjector, FaultPlanSchema, type FaultHandler, type FaultKind, type FaultPlanInput } from '../faults.ts';
import { NonceStore, Verifier } from './auth.ts';
import { Conditions } from './conditions.ts';
import { RateLimiter } from './limits.ts';
import { formatScaled, Market } from './market.ts';
import { Account, type PositionMode } from './orders.ts';
import { RestApi } from './rest.ts';
import { SimServer } from './server.ts';
import { StatsRecorder, type BitunixSimStats } from './stats.ts';
import { WsHub } from './ws.ts';

export type { BitunixSimStats } from './stats.ts';

/** The documented pair used when neither options nor BITUNIX_API_KEY/SECRET give one. Never valid live. */
export const SIM_TEST_API_KEY = 'exsoak-sim-bitunix-test-key';
export const SIM_TEST_API_SECRET = 'exsoak-sim-bitunix-test-secret';

export interface BitunixSimOptions {
  /** default '127.0.0.1' — the simulator never binds elsewhere unless told to */
  host?: string;
  /** default 0 (an ephemeral port); REST and both WS paths share it */
  port?: number;
  /** default 1: drives the price walk, depth sizes and trade sizes */
  seed?: number;
  apiKey?: string;
  apiSecret?: string;
  /** one price-walk step and one round of public pushes every this many ms (default 1000) */
  tickIntervalMs?: number;
  /** default ['BTCUSDT', 'ETHUSDT'] */
  symbols?: string[];
  /** standard deviation of one walk step, in basis points (default 0.2) */
  volatilityBps?: number;
  rules?: Partial<{
    /** close a WS connection that sent no data frame for this long (default 60000, as observed live) */
    wsIdleTimeoutMs: number;
    /** accept request timestamps this far from the server clock, either way (default 60000) */
    timestampWindowMs: number;
    /** endpoint ('trade/place_order', ...) -> requests per second */
    rateLimits: Record<string, number>;
  }>;
  faults?: FaultPlanInput;
}

export interface SimOrderView {
  orderId: string;
  clientId: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  tradeSide?: 'OPEN' | 'CLOSE';
  positionId?: string;
  orderType: 'LIMIT' | 'MARKET';
  effect: string;
  price: string;
  qty: string;
  tradeQty: string;
  status: string;
}

export interface SimPositionView {
  positionId: string;
  symbol: string;
  side: 'LONG' | 'SHORT';
  qty: string;
}

export interface BitunixSimState {
  orders: SimOrderView[];
  positions: SimPositionView[];
  positionMode: PositionMode;
  positionModeLocked: boolean;
  price: Record<string, number>;
  steps: number;
}

export interface BitunixSim {
  restUrl: string;
  wsPublicUrl: string;
  wsPrivateUrl: string;
  port: number;
  faults: FaultInjector;
  stats(): BitunixSimStats;
  state(): BitunixSimState;
  /** As if the exchange cancelled the order itself (pushes order CLOSE/CANCELED). */
  cancelOrderServerSide(orderId: string): void;
  /**
   * As if the order filled at its price: all that is left (pushes order CLOSE/FILLED and the
   * position), or only `qty` of it (a partial fill: order UPDATE/PART_FILLED, the order rests on).
   */
  fillOrder(orderId: string, qty?: string): void;
  /** The order vanishes without a push: detail and pending answer 20007. */
  forgetOrder(orderId: string): void;
  /** Sets the mode directly; `locked` makes change_position_mode answer 20009 until set again. */
  setPositionMode(mode: PositionMode, opts?: { locked?: boolean }): void;
  /** Runs `steps` ticks now (walk, fills, public pushes), for tests that cannot wait for the timer. */
  advance(steps?: number): void;
  close(): Promise<void>;
}

const SUPPORTED: readonly FaultKind[] = [
  'drop',
  'reset',
  'stall',
  'malformed',
  'truncated',
  'oversized',
  'burst',
  'latency',
  'http5xx',
  'http429',
  'rejectLogin',
  'clockSkew',
  'restart',
];

export async function startBitunixSim(opts: BitunixSimOptions = {}): Promise<BitunixSim> {
  const host = opts.host ?? '127.0.0.1';
  const seed = opts.seed ?? 1;
  const symbols = opts.symbols ?? ['BTCUSDT', 'ETHUSDT'];
  const tickIntervalMs = opts.tickIntervalMs ?? 1000;
  const windowMs = opts.rules?.timestampWindowMs ?? 60_000;
  const apiKey = opts.apiKey ?? process.env.BITUNIX_API_KEY ?? SIM_TEST_API_KEY;
  const apiSecret = opts.apiSecret ?? process.env.BITUNIX_API_SECRET ?? SIM_TEST_API_SECRET;
  if (symbols.length === 0) throw new Error('the Bitunix simulator needs at least one symbol');

  // Refuse an unsupported kind now: found later it would throw inside a timer.
  const plan = FaultPlanSchema.parse(opts.faults ?? {});
  for (const kind of [...plan.schedule.map((s) => s.kind), ...Object.keys(plan.random)] as FaultKind[]) {
    if (!SUPPORTED.includes(kind)) throw new Error(`the Bitunix simulator does not support fault "${kind}"`);
  }

  const conditions = new Conditions();
  const stats = new StatsRecorder();
  const market = new Market(seed, symbols, opts.volatilityBps);
  const verifier = new Verifier({ apiKey, apiSecret }, () => windowMs, new NonceStore(2 * windowMs + 1_000));
  let hub: WsHub | undefined;
  const account = new Account(market, () => conditions.now(), (event) => hub?.pushAccount(event));
  hub = new WsHub({ stats, conditions, verifier, market, account, idleTimeoutMs: opts.rules?.wsIdleTimeoutMs ?? 60_000 });
  const wsHub = hub;

  let server: SimServer | undefined;
  const handlers: Partial<Record<FaultKind, FaultHandler>> = {
    drop: (s) => ({ connections: wsHub.drop(s.target, s.code ?? 1006) }),
    reset: (s) => ({ connections: wsHub.reset(s.target) }),
    stall: (s) => ({ connections: wsHub.stall(s.target, s.duration ?? 10_000) }),
    malformed: (s) => ({ connections: wsHub.sendRaw(s.target, 'op:ping pong}{ not json', 'fault:malformed') }),
    truncated: (s) => {
      const full = JSON.stringify({ ch: 'ticker', symbol: symbols[0], ts: conditions.now(), data: market.ticker(symbols[0]!) });
      return { connections: wsHub.sendRaw(s.target, full.slice(0, Math.floor(full.length / 2)), 'fault:truncated') };
    },
    oversized: (s) => {
      const bytes = s.bytes ?? 1024 * 1024;
      const text = JSON.stringify({ ch: 'noise', ts: conditions.now(), data: 'x'.repeat(bytes + 1) });
      return { connections: wsHub.sendRaw(s.target, text, 'fault:oversized'), bytes: text.length };
    },
    burst: (s) => ({ connections: wsHub.burst(s.target, s.count ?? 1000) }),
    latency: (s) => {
      conditions.setLatency(s.delay ?? 500, s.target, s.duration);
      return { delayMs: s.delay ?? 500 };
    },
    http5xx: (s) => {
      conditions.addBudget('http5xx', s.count ?? 1, s.status ?? 503, s.target);
      return { status: s.status ?? 503 };
    },
    http429: (s) => {
      conditions.addBudget('http429', s.count ?? 1, 429, s.target);
      return { status: 429 };
    },
    rejectLogin: (s) => {
      wsHub.rejectNextLogins(s.count ?? 1);
      return {};
    },
    clockSkew: (s) => {
      conditions.setSkew(s.delay ?? 120_000, s.duration);
      return { skewMs: s.delay ?? 120_000 };
    },
    restart: (s) => {
      server?.restart(s.duration ?? 1_000, s.code ?? 1006, (err) => process.emitWarning(`Bitunix simulator could not listen again: ${err.message}`));
      return { downMs: s.duration ?? 1_000 };
    },
  };
  let closed = false;
  // A fault fired after close() (by a test or a late timer) must not start new timers.
  const guarded = Object.fromEntries(
    Object.entries(handlers).map(([kind, handler]) => [kind, (spec: Parameters<FaultHandler>[0]) => (closed ? { ignored: 'simulator closed' } : handler(spec))]),
  ) as Partial<Record<FaultKind, FaultHandler>>;
  const faults = new FaultInjector(plan, guarded);

  const snapshotStats = (): BitunixSimStats =>
    stats.snapshot({ ...account.counters, open: account.openCount, openPeak: account.openPeak }, faults.log);
  const rest = new RestApi({
    stats,
    conditions,
    verifier,
    limiter: new RateLimiter(opts.rules?.rateLimits),
    market,
    account,
    simRoutes: { stats: snapshotStats, faults: () => faults.log },
  });
  server = new SimServer(host, rest, wsHub);
  const port = await server.listen(opts.port ?? 0);

  const tick = () => {
    market.step();
    account.onPrices();
    wsHub.broadcastPublic();
  };
  const ticker = setInterval(tick, tickIntervalMs);
  faults.start();

  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  const liveServer = server;
  return {
    restUrl: `http://${urlHost}:${port}`,
    wsPublicUrl: `ws://${urlHost}:${port}/public/`,
    wsPrivateUrl: `ws://${urlHost}:${port}/private/`,
    port,
    faults,
    stats: snapshotStats,
    state: () => {
      const snap = account.snapshot();
      const qty = (symbol: string, lots: number) => formatScaled(lots, market.spec(symbol)!.basePrecision);
      const orders = [...snap.open, ...snap.history].map(
        (o): SimOrderView => ({
          orderId: o.orderId,
          clientId: o.clientId,
          symbol: o.symbol,
          side: o.side,
          tradeSide: o.tradeSide,
          positionId: o.positionId,
          orderType: o.orderType,
          effect: o.effect,
          price: o.orderType === 'MARKET' ? '0' : market.fmtPrice(o.symbol, o.priceTicks),
          qty: qty(o.symbol, o.qtyLots),
          tradeQty: qty(o.symbol, o.tradeLots),
          status: o.status,
        }),
      );
      return {
        orders,
        positions: snap.positions.map((p) => ({ positionId: p.positionId, symbol: p.symbol, side: p.side, qty: qty(p.symbol, p.qtyLots) })),
        positionMode: account.positionMode,
        positionModeLocked: account.modeLocked,
        price: Object.fromEntries(symbols.map((s) => [s, market.price(s)])),
        steps: market.steps,
      };
    },
    cancelOrderServerSide: (orderId) => account.cancelBySystem(orderId),
    fillOrder: (orderId, qty) => account.fillNow(orderId, qty),
    forgetOrder: (orderId) => account.forget(orderId),
    setPositionMode: (mode, o) => account.setMode(mode, o?.locked ?? false),
    advance: (steps = 1) => {
      for (let i = 0; i < steps; i++) tick();
    },
    close: () => {
      closing ??= (async () => {
        closed = true;
        clearInterval(ticker);
        faults.stop();
        conditions.stop();
        await liveServer.close();
        rest.stop();
        await wsHub.shutdown();
      })();
      return closing;
    },
  };
}
