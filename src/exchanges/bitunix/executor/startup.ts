// What start-up checks before the executor may trade: the symbol exists, the quantity is at least
// its minimum, and which failures are final (locks) rather than worth another attempt.
import { BitunixCode, isBitunixError } from '../errors.ts';
import type { BitunixRest } from '../rest.ts';
import { LockRequest } from './position-mode.ts';
import type { PriceGrid } from './pricing.ts';

/** The symbol's price grid; throws LockRequest when the symbol is unknown or `qty` below its minimum. */
export async function loadSymbol(rest: BitunixRest, symbol: string, qty: string): Promise<PriceGrid> {
  const pairs = await rest.getTradingPairs([symbol]);
  const pair = pairs.find((p) => p.symbol === symbol);
  if (!pair) throw new LockRequest(`unknown symbol ${symbol}`);
  if (pair.minTradeVolume !== undefined && Number(qty) < Number(pair.minTradeVolume)) {
    throw new LockRequest(`qty ${qty} is below the minimum ${pair.minTradeVolume} for ${symbol}`);
  }
  return { precision: pair.quotePrecision };
}

/** The lock reason for a failed start-up attempt; undefined when another attempt may succeed. */
export function startupLockReason(err: unknown): string | undefined {
  if (!isBitunixError(err)) return undefined;
  // Credentials that never worked are wrong: one clear error, no retry loop.
  if (err.kind === 'auth') return `authentication failed: ${err.message}`;
  if (err.kind === 'reject' && err.code !== BitunixCode.network) return `startup rejected: ${err.message}`;
  return undefined;
}
