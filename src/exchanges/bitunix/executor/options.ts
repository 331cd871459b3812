// What a HedgeLimitExecutor is given. Every optional figure has its default in the constructor.
import type { BitunixRest } from '../rest.ts';
import type { Side } from '../types.ts';
import type { BitunixWs } from '../ws.ts';
import type { ExecutorState } from './state-machine.ts';

export interface HedgeLimitExecutorOptions {
  rest: BitunixRest;
  /** Market data (ticker + depth_book1); without it the price comes from REST depth. */
  publicWs?: BitunixWs | undefined;
  /** Order / position pushes; without it every modify is confirmed through REST. */
  privateWs?: BitunixWs | undefined;
  symbol: string;
  side: Side;
  /** Fixed order quantity (base coin), as the exchange expects it. */
  qty: string;
  /** Fraction away from the market (0.0005 = 0.05 %). */
  offset: number;
  /** How often the entry price is recomputed. */
  tickMs: number;
  marginCoin?: string;
  /** Switch the account to HEDGE when it is not (default true). */
  setPositionMode?: boolean;
  stateTimeouts?: Partial<Record<ExecutorState, number>>;
  /** A modify not confirmed by a push within this long is checked over REST. */
  modifyConfirmTimeoutMs?: number;
  /** WS prices older than this are replaced by a REST depth read. */
  priceStaleMs?: number;
  /**
   * A working order is re-checked over REST at least this often even when nothing looks wrong:
   * a cancel the exchange did silently (a POST_ONLY that would have crossed, a lost push) shows up.
   */
  verifyIntervalMs?: number;
  /** How many reconcile rounds an order may be unknown to the exchange before it is written off. */
  unknownOrderRetries?: number;
  /** How many times duplicates may survive cancelling before the executor locks. */
  maxCancelRounds?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  clientIdPrefix?: string;
  signal?: AbortSignal;
}

/** Throws a RangeError naming the option that cannot work. */
export function checkOptions(options: HedgeLimitExecutorOptions): void {
  if (!(options.tickMs > 0)) throw new RangeError('tickMs must be positive');
  if (!(options.offset >= 0 && options.offset < 1)) throw new RangeError('offset must be a fraction in [0, 1)');
  if (!(Number(options.qty) > 0)) throw new RangeError(`qty must be a positive number, got ${options.qty}`);
}
