// Entry price arithmetic on integer ticks: prices are strings on the wire and floats lose the
// last digit often enough (0.1 + 0.2) to make "did the price move by a tick?" flap.
import type { Side } from '../types.ts';

export interface PriceGrid {
  /** Decimals of the price (`quotePrecision` of the trading pair). */
  precision: number;
}

/** A price string → integer ticks on the grid (nearest tick). */
export function toTicks(price: string | number, grid: PriceGrid): number {
  const value = typeof price === 'number' ? price : Number(price);
  if (!Number.isFinite(value)) throw new RangeError(`not a price: ${String(price)}`);
  return Math.round(value * 10 ** grid.precision);
}

/** Integer ticks → the exact decimal string the exchange expects (`precision` decimals). */
export function fromTicks(ticks: number, grid: PriceGrid): string {
  if (!Number.isSafeInteger(ticks)) throw new RangeError(`not a tick count: ${ticks}`);
  const negative = ticks < 0;
  const digits = String(Math.abs(ticks));
  if (grid.precision === 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(grid.precision + 1, '0');
  const whole = padded.slice(0, padded.length - grid.precision);
  const frac = padded.slice(padded.length - grid.precision);
  return `${negative ? '-' : ''}${whole}.${frac}`;
}

export interface Quote {
  bid?: string | undefined;
  ask?: string | undefined;
  last?: string | undefined;
}

// Float products like 600000 * 0.9995 land a hair off the integer; without this slack the
// rounding direction would depend on the float noise instead of on the side.
const EPSILON = 1e-7;

/**
 * The resting entry price in ticks: `offset` (a fraction, 0.0005 = 0.05 %) AWAY from the market,
 * so a BUY sits below the bid and a SELL above the ask, rounded further away to the grid, and
 * never closer than one tick behind the touch so a post-only order cannot cross.
 * Falls back to the last price when the book side is unknown. Undefined when there is no price.
 */
export function entryTicks(side: Side, quote: Quote, offset: number, grid: PriceGrid): number | undefined {
  const reference = side === 'BUY' ? (quote.bid ?? quote.last) : (quote.ask ?? quote.last);
  if (reference === undefined) return undefined;
  const refTicks = toTicks(reference, grid);
  if (refTicks <= 0) return undefined;
  if (side === 'BUY') {
    const raw = Math.floor(refTicks * (1 - offset) + EPSILON);
    // Behind the bid, at least one tick below the ask.
    const capped = quote.ask !== undefined ? Math.min(raw, toTicks(quote.ask, grid) - 1) : raw;
    return Math.max(1, Math.min(capped, refTicks));
  }
  const raw = Math.ceil(refTicks * (1 + offset) - EPSILON);
  const floored = quote.bid !== undefined ? Math.max(raw, toTicks(quote.bid, grid) + 1) : raw;
  return Math.max(floored, refTicks);
}

export function entryPrice(side: Side, quote: Quote, offset: number, grid: PriceGrid): string | undefined {
  const ticks = entryTicks(side, quote, offset, grid);
  return ticks === undefined ? undefined : fromTicks(ticks, grid);
}

/** Whether the working price is at least one tick away from the target. */
export function movedByATick(currentPrice: string, targetTicks: number, grid: PriceGrid): boolean {
  return Math.abs(toTicks(currentPrice, grid) - targetTicks) >= 1;
}
