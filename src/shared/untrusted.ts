// A user's probe is untrusted input (#26): whatever it sends (through the SDK in its worker, or
// as NDJSON and Prometheus text from a process) is made safe where it crosses into exsoak — a
// bad value is replaced or rejected and counted, never allowed to crash, stall or grow the
// supervisor. Both sides use this module: the worker runtime (so a flood never reaches the
// MessagePort) and the supervisor's hosts (the trust boundary: a process has no runtime).
// The limits are documented in docs/probe-sdk.md and docs/process-probes.md: change both together.

export const PROBE_LIMITS = {
  /** Events a probe may send per second (a burst of twice that is absorbed); the rest are dropped and counted. */
  eventsPerSec: 200,
  /** Log lines a probe may send per second, likewise. */
  logsPerSec: 100,
  /** Distinct counter and gauge names per probe (the scenario's declared ones always fit). */
  names: 256,
  /**
   * Distinct event kinds per probe: each is a label value of exsoak_probe_events_total. Past it
   * an event is kept as `probe:other` with its kind in its data.
   */
  eventKinds: 64,
  /** Characters of a counter, gauge or event name. */
  nameChars: 128,
  /** Characters of a log message or of any string inside an event's data. */
  stringChars: 4096,
  /** Nesting depth kept in an event's data; deeper values become "[depth]". */
  depth: 8,
  /** Keys kept per object, items per array. */
  width: 256,
  /** Serialised bytes of one event's or log line's data; past it the rest becomes "[truncated]". */
  dataBytes: 16 * 1024,
  /** events.ndjson bytes per worker probe (a process probe's own `logLimit` bounds its events). */
  eventsBytes: 16 * 1024 * 1024,
} as const;

/** What was dropped, replaced or rejected from one probe's input: cumulative counts. */
export interface InputTally {
  /** Events over the rate limit, or past the probe's events.ndjson bound. */
  eventsDropped: number;
  logsDropped: number;
  /** Log levels that were not debug/info/warn/error (mapped: warning → warn, anything else → info). */
  badLevels: number;
  /** Timestamps that were not a time near now in ms (replaced by the time it was received). */
  badTimes: number;
  /** Counter values that were not non-negative finite numbers, gauges that were not finite. */
  badValues: number;
  /** Counter/gauge names past the name limit, or not names at all. */
  namesDropped: number;
  /** Values in events' data that could not be serialised as they were (BigInt, cycles, functions, depth, size). */
  valuesReplaced: number;
  /** Events of a kind the supervisor uses itself, kept under `probe:<kind>`. */
  kindsRenamed: number;
  /** Events of a kind past the limit on distinct kinds, kept as `probe:other`. */
  kindsOther: number;
}

export function emptyTally(): InputTally {
  return { eventsDropped: 0, logsDropped: 0, badLevels: 0, badTimes: 0, badValues: 0, namesDropped: 0, valuesReplaced: 0, kindsRenamed: 0, kindsOther: 0 };
}

/** The non-zero entries of a tally (what is worth reporting), or undefined when all are zero. */
export function tallyEntries(tally: InputTally): Partial<InputTally> | undefined {
  const out: Partial<InputTally> = {};
  for (const [k, v] of Object.entries(tally) as [keyof InputTally, number][]) if (v > 0) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A token bucket: `perSec` a second, bursts up to twice that. Checked before any work is done on the input. */
export class RateGate {
  private tokens: number;
  private last: number;
  private readonly perSec: number;

  constructor(perSec: number, now = Date.now()) {
    this.perSec = perSec;
    this.tokens = 2 * perSec;
    this.last = now;
  }

  take(now = Date.now()): boolean {
    if (now > this.last) {
      this.tokens = Math.min(2 * this.perSec, this.tokens + ((now - this.last) * this.perSec) / 1000);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}

export type CleanLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS = new Set<string>(['debug', 'info', 'warn', 'error']);
const LEVEL_ALIASES: Record<string, CleanLevel> = { trace: 'debug', verbose: 'debug', warning: 'warn', notice: 'info', log: 'info', err: 'error', fatal: 'error', critical: 'error', crit: 'error', alert: 'error', emerg: 'error' };

/** The level a probe's log line is written at; `mapped` when it was not one of the four. */
export function cleanLevel(level: unknown): { level: CleanLevel; mapped: boolean } {
  if (typeof level === 'string' && LEVELS.has(level)) return { level: level as CleanLevel, mapped: false };
  const alias = typeof level === 'string' ? LEVEL_ALIASES[level.toLowerCase()] : undefined;
  return { level: alias ?? (typeof level === 'string' && LEVELS.has(level.toLowerCase()) ? (level.toLowerCase() as CleanLevel) : 'info'), mapped: true };
}

/** How far from the time it is received a probe's timestamp may be and still be taken as it is. */
const TIME_SLACK_MS = 3_600_000;

/**
 * A probe's timestamp if it is a time in ms near `now` (an hour either way); otherwise `now`,
 * with `replaced` set (1e300, microseconds, seconds, NaN, a string: all the probe's error).
 */
export function cleanTime(t: unknown, now = Date.now()): { t: number; replaced: boolean } {
  if (t === undefined) return { t: now, replaced: false };
  if (typeof t === 'number' && Number.isFinite(t) && Math.abs(t - now) <= TIME_SLACK_MS) return { t: Math.round(t), replaced: false };
  return { t: now, replaced: true };
}

/** A counter increment or total: a non-negative finite number, else undefined (rejected). */
export function counterValue(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** A gauge value: any finite number, else undefined (rejected). */
export function gaugeValue(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

// C0/C1 controls and the DEL: an ANSI escape in a name or message must not reach a terminal.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
const HAS_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROLS_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

/** A counter, gauge or event name: a string of printable characters, cut at the name limit; else undefined. */
export function cleanName(name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined;
  const clean = (HAS_CONTROL.test(name) ? name.replace(CONTROLS, '') : name).slice(0, PROBE_LIMITS.nameChars);
  return clean === '' ? undefined : clean;
}

/** A log message as text, cut at the string limit. */
export function cleanMessage(msg: unknown): string {
  const text = typeof msg === 'string' ? msg : safeString(msg);
  return cut(text.replace(CONTROLS_BUT_NEWLINE, ''), PROBE_LIMITS.stringChars);
}

/** At most `limit` characters, the cut said (so cutting twice changes nothing). */
function cut(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const suffix = `…[${text.length - limit} more chars]`;
  return text.slice(0, Math.max(0, limit - suffix.length)) + suffix;
}

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return '[unprintable]';
  }
}

/**
 * Admits counter and gauge names up to the limit (names already admitted always are): the
 * declared ones first, so a flood of new names can never push out what thresholds read.
 */
export class NameSet {
  private readonly names = new Set<string>();
  private limit: number;

  constructor(limit: number = PROBE_LIMITS.names, declared: Iterable<string> = []) {
    this.limit = limit;
    // The declared names come on top of the limit: they are the scenario's, bounded by it.
    for (const name of declared) this.names.add(name);
    this.limit += this.names.size;
  }

  admit(name: string): boolean {
    if (this.names.has(name)) return true;
    if (this.names.size >= this.limit) return false;
    this.names.add(name);
    return true;
  }
}

/**
 * `value` as plain JSON data within the limits: what can be serialised is kept, what cannot is
 * replaced by a short string saying what it was (a BigInt becomes its digits, a cycle "[cycle]",
 * a function "[function f]", too deep "[depth]", past the byte budget "[truncated]"). Getters
 * that throw, hostile toJSON methods and proxies are survived. `replaced` counts the replacements.
 */
export function toJsonSafe(value: unknown, limits: { depth: number; width: number; stringChars: number; bytes: number } = { depth: PROBE_LIMITS.depth, width: PROBE_LIMITS.width, stringChars: PROBE_LIMITS.stringChars, bytes: PROBE_LIMITS.dataBytes }): { value: unknown; replaced: number } {
  let budget = limits.bytes;
  let replaced = 0;
  const seen = new Set<object>();
  const replace = (what: string): string => {
    replaced++;
    budget -= what.length + 2;
    return what;
  };
  const walk = (v: unknown, depth: number): unknown => {
    if (budget <= 0) return replace('[truncated]');
    switch (typeof v) {
      case 'string': {
        const s = v.length > limits.stringChars ? (replaced++, cut(v, limits.stringChars)) : v;
        budget -= s.length + 2;
        return s;
      }
      case 'number':
        budget -= 8;
        return Number.isFinite(v) ? v : replace(String(v));
      case 'boolean':
        budget -= 5;
        return v;
      case 'bigint':
        return replace(v.toString());
      case 'undefined':
        return undefined;
      case 'function':
        return replace(`[function ${v.name || 'anonymous'}]`);
      case 'symbol':
        return replace(safeString(v));
    }
    if (v === null) {
      budget -= 4;
      return null;
    }
    const obj = v as object;
    if (seen.has(obj)) return replace('[cycle]');
    if (depth >= limits.depth) return replace('[depth]');
    seen.add(obj);
    try {
      return walkObject(obj, depth);
    } catch {
      return replace('[unreadable]');
    } finally {
      seen.delete(obj);
    }
  };
  const walkObject = (obj: object, depth: number): unknown => {
    if (obj instanceof Date) return Number.isFinite(obj.getTime()) ? walk(obj.toISOString(), depth) : replace('[invalid date]');
    if (obj instanceof Error) return { name: walk(obj.name, depth + 1), message: walk(obj.message, depth + 1), ...(obj.stack ? { stack: walk(obj.stack, depth + 1) } : {}) };
    if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) return replace(`[${obj.constructor?.name ?? 'binary'} ${obj.byteLength} bytes]`);
    if (obj instanceof Map) return walkEntries(obj.entries(), obj.size, depth, true);
    if (obj instanceof Set) return walkEntries(obj.values(), obj.size, depth, false);
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return walk(toJSON.call(obj), depth + 1);
    if (Array.isArray(obj)) {
      const out: unknown[] = [];
      const n = Math.min(obj.length, limits.width);
      for (let i = 0; i < n && budget > 0; i++) {
        const item = walk(obj[i], depth + 1);
        out.push(item === undefined ? null : item);
      }
      if (obj.length > out.length) out.push(replace(`[${obj.length - out.length} more items]`));
      return out;
    }
    const out: Record<string, unknown> = {};
    let kept = 0;
    const keys = Object.keys(obj);
    for (const key of keys) {
      if (kept >= limits.width || budget <= 0) {
        out['…'] = replace(`[${keys.length - kept} more keys]`);
        break;
      }
      let item: unknown;
      try {
        item = walk((obj as Record<string, unknown>)[key], depth + 1);
      } catch {
        item = replace('[unreadable]'); // a getter that throws costs only its own key
      }
      if (item === undefined) continue;
      budget -= key.length + 4;
      out[key.length > limits.stringChars ? key.slice(0, limits.stringChars) : key] = item;
      kept++;
    }
    return out;
  };
  const walkEntries = (entries: Iterator<unknown>, size: number, depth: number, pairs: boolean): unknown => {
    const out: unknown[] = [];
    for (let e = entries.next(); !e.done && out.length < limits.width && budget > 0; e = entries.next()) out.push(walk(e.value, depth + 1) ?? null);
    if (size > out.length) out.push(replace(`[${size - out.length} more ${pairs ? 'entries' : 'items'}]`));
    return out;
  };
  return { value: walk(value, 0), replaced };
}

/**
 * An event's or log line's data: a plain object (anything else is wrapped as `{ value }`), made
 * JSON-safe within the limits; undefined stays undefined.
 */
export function cleanData(data: unknown): { data?: Record<string, unknown>; replaced: number } {
  if (data === undefined || data === null) return { replaced: 0 };
  const { value, replaced } = toJsonSafe(data);
  if (value && typeof value === 'object' && !Array.isArray(value)) return { data: value as Record<string, unknown>, replaced };
  return { data: value === undefined ? undefined : { value }, replaced };
}
