// What a trading team writes around a third-party stream library: a bounded view of recent
// trades (the healthy growth: it fills, then holds), and — in the leaking variants — the kind of
// bug that leaks in real clients: a stats history never trimmed (steady), or an archive appended
// once per period (step-wise: flat between steps). The bytes are fresh strings, so the rate is
// the rate whatever the library allocates.
import { randomBytes } from 'node:crypto';
import type { ProbeContext } from 'exsoak/probe';

export interface TrustOptions {
  symbols: string[];
  /** Entries the bounded cache keeps (per symbol where the structure is per symbol). */
  cap: number;
  leak?: 'none' | 'steady' | 'step';
  /** Leak pace, MB per hour. */
  leakMbPerH?: number;
  /** Step period of a step-wise leak, ms (each step retains leakMbPerH × period at once). */
  stepEveryMs?: number;
}

const MB = 1024 * 1024;

/** Starts the leaking variant's timer (if any) and the cache gauge; returns a stop function. */
export function startApp(ctx: ProbeContext<TrustOptions>, cacheSize: () => number): () => void {
  const { leak = 'none', leakMbPerH = 0, stepEveryMs = 240_000 } = ctx.options;
  const retained: { t: number; blob: string[] }[] = [];
  const timers: NodeJS.Timeout[] = [setInterval(() => ctx.gauge('cache_size', cacheSize()), 1000)];
  if (leak === 'steady' && leakMbPerH > 0) {
    const perSecond = Math.round((leakMbPerH * MB) / 3600);
    timers.push(setInterval(() => retained.push({ t: Date.now(), blob: fresh(perSecond) }), 1000));
  }
  if (leak === 'step' && leakMbPerH > 0) {
    const perStep = Math.round((leakMbPerH * MB * stepEveryMs) / 3_600_000);
    timers.push(setInterval(() => retained.push({ t: Date.now(), blob: fresh(perStep) }), stepEveryMs));
  }
  return () => timers.forEach(clearInterval);
}

/**
 * `bytes` of one-byte characters no other string shares, in pieces of 256 KB: Node makes a string
 * of over ~1 MB that it decodes (hex, base64) an *external* one, outside the V8 heap, so a
 * step-wise leak of 1.33 MB strings never showed in the heap floor (only in process RSS).
 */
function fresh(bytes: number): string[] {
  const pieces: string[] = [];
  for (let left = Math.max(1, bytes); left > 0; left -= PIECE) {
    const n = Math.min(PIECE, left);
    pieces.push(randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n));
  }
  return pieces;
}

const PIECE = 256 * 1024;

/** A least-recently-inserted cache: a Map trimmed from its oldest key. */
export class Lru<K, V> {
  readonly map = new Map<K, V>();
  private readonly cap: number;
  constructor(cap: number) {
    this.cap = cap;
  }
  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.cap) this.map.delete(this.map.keys().next().value as K);
  }
  get size(): number {
    return this.map.size;
  }
}
