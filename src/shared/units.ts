// Durations ("90s", "8h", "1h30m", "250ms") and sizes ("50MB", "200KB") as users write them in
// scenarios and flags. Sizes are binary (1 MB = 1024 * 1024 bytes) like V8's and the OS's figures.

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
};

export class UnitError extends Error {}

/** The longest duration accepted anywhere (scenario keys, flags): 365 days (see timers.ts). */
export const MAX_DURATION_MS = 365 * 86_400_000;

function inRange(ms: number, input: string | number): number {
  if (!Number.isFinite(ms) || ms > MAX_DURATION_MS) {
    throw new UnitError(`expected a duration of at most 365d, got "${input}"`);
  }
  return ms;
}

/** Parses a duration to milliseconds. A bare number is taken as milliseconds. */
export function parseDuration(input: string | number): number {
  if (typeof input !== 'string' && typeof input !== 'number') throw new UnitError(`expected one duration like "90s", got ${JSON.stringify(input)}`);
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new UnitError(`expected a non-negative duration, got ${input}`);
    return inRange(input, input);
  }
  const text = input.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(text)) return parseDuration(Number(text));
  const part = /(\d+(?:\.\d+)?)\s*(ms|min|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  let match: RegExpExecArray | null;
  while ((match = part.exec(text)) !== null) {
    total += Number(match[1]) * DURATION_UNITS[match[2]!]!;
    consumed = part.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length) {
    throw new UnitError(`expected a duration like "90s", "5m", "8h" or "1h30m", got "${input}"`);
  }
  return inRange(total, input);
}

/** Parses a size to bytes. A bare number is taken as bytes. */
export function parseSize(input: string | number): number {
  if (typeof input !== 'string' && typeof input !== 'number') throw new UnitError(`expected one size like "50MB", got ${JSON.stringify(input)}`);
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(Math.round(input)) || input < 0) throw new UnitError(`expected a non-negative size, got ${input}`);
    return input;
  }
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)?$/.exec(input.trim().toLowerCase());
  if (!match) throw new UnitError(`expected a size like "512KB", "50MB" or "1GB", got "${input}"`);
  const unit = (match[2] ?? 'b').replace('ib', 'b');
  const bytes = Number(match[1]) * SIZE_UNITS[unit]!;
  // 400 digits parse to Infinity: a leak injector told to retain Infinity bytes blocks its worker.
  if (!Number.isSafeInteger(Math.round(bytes))) throw new UnitError(`expected a size below 8 PB, got "${input}"`);
  return bytes;
}

const MAX_BYTE_RATE = 1024 ** 3;

/** Parses a rate like "200KB/min" or "1MB/s" to bytes per second. */
export function parseByteRate(input: string): number {
  const [size, per, ...rest] = input.split('/');
  if (!size || !per || rest.length > 0) {
    throw new UnitError(`expected a rate like "200KB/min" or "1MB/s", got "${input}"`);
  }
  const perMs = parseDuration(/^\d/.test(per.trim()) ? per : `1${per.trim()}`);
  if (perMs <= 0) throw new UnitError(`expected a positive time unit in rate "${input}"`);
  const perSec = (parseSize(size) * 1000) / perMs;
  // A faster "leak" is no calibration: the worker would spend the run allocating.
  if (perSec > MAX_BYTE_RATE) throw new UnitError(`expected a rate of at most 1GB/s, got "${input}"`);
  return perSec;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

export const MB = 1024 * 1024;
