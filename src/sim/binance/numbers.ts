// Prices and quantities are integers of 10^-decimals units so the random walk stays exact and
// formatting avoids toFixed (the generator formats hundreds of thousands of numbers a second).
import { mulberry32 } from '../faults.ts';

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

export interface Decimals {
  /** Digits the integer units carry. */
  digits: number;
  /** Zeros appended so spot numbers read like Binance's 8-decimal strings. */
  pad: string;
}

export function formatUnits(units: number, d: Decimals): string {
  const scale = POW10[d.digits]!;
  const whole = Math.floor(units / scale);
  let frac = String(units - whole * scale);
  while (frac.length < d.digits) frac = '0' + frac;
  return whole + '.' + frac + d.pad;
}

/** FNV-1a: turns (seed, market, stream) into an independent PRNG seed. */
function hashSeed(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function rng(seed: number, key: string): () => number {
  return mulberry32(hashSeed(seed, key));
}

const KNOWN_PRICES: Record<string, number> = { btcusdt: 60_000, ethusdt: 3_000, bnbusdt: 600 };

/** A plausible starting price for any symbol, stable for a given seed. */
export function basePrice(symbol: string, seed: number): number {
  const known = KNOWN_PRICES[symbol];
  if (known) return known;
  return 1 + (hashSeed(seed, 'price:' + symbol) % 100_000) / 100;
}
