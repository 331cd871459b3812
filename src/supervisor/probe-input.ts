// The supervisor's side of "a user's probe is untrusted input" (#26): every host passes what its
// probe sends (worker messages, a process's NDJSON lines) through one ProbeInput before anything
// reaches the bus. Events keep the probe's kind unless the supervisor uses that kind itself (then
// `probe:<kind>`), timestamps and levels are checked, data is made JSON-safe and bounded, events
// are rate-limited and bounded in bytes, counter values and names are checked and capped. What
// was dropped or replaced is counted and said: a `probe-input` event (at most every 10 s while it
// grows, and at the run's end), a warning in the log, and `probes.NAME.input` in verdict.json.
import type { Bus } from '../bus/bus.ts';
import { SUPERVISOR_EVENT_KINDS } from '../bus/types.ts';
import {
  cleanData,
  cleanLevel,
  cleanMessage,
  cleanName,
  cleanTime,
  counterValue,
  emptyTally,
  gaugeValue,
  NameSet,
  PROBE_LIMITS,
  RateGate,
  tallyEntries,
  type InputTally,
} from '../shared/untrusted.ts';

const RESERVED = new Set<string>(SUPERVISOR_EVENT_KINDS);
/** The prefix a probe's event of a reserved kind is kept under (no supervisor kind starts with it). */
const PROBE_KIND_PREFIX = 'probe:';
/** While the counts grow, they are announced at most this often. */
const REPORT_EVERY_MS = 10_000;

/** The kind a probe's event is recorded under: its own, unless the supervisor uses it (or it is not a name). */
export function probeEventKind(kind: unknown): { kind: string; renamed: boolean } {
  const name = cleanName(kind);
  if (name === undefined) return { kind: `${PROBE_KIND_PREFIX}unnamed`, renamed: true };
  if (RESERVED.has(name)) return { kind: `${PROBE_KIND_PREFIX}${name}`, renamed: true };
  return { kind: name, renamed: false };
}

export interface ProbeInputOptions {
  probe: string;
  bus: Bus;
  /** events.ndjson bytes this probe may fill (default PROBE_LIMITS.eventsBytes; a process probe: its logLimit). */
  eventsBytes?: number;
  /** The counter and gauge names the scenario declares for the probe: always kept. */
  declared?: readonly string[];
}

export class ProbeInput {
  private readonly probe: string;
  private readonly bus: Bus;
  private readonly tally: InputTally = emptyTally();
  /** The worker runtime's own counts (cumulative), sent with its counters. */
  private workerTally: Partial<InputTally> = {};
  private readonly events = new RateGate(PROBE_LIMITS.eventsPerSec);
  private readonly logs = new RateGate(PROBE_LIMITS.logsPerSec);
  private readonly names: NameSet;
  private readonly kinds = new NameSet(PROBE_LIMITS.eventKinds);
  private readonly eventsBytes: number;
  private eventBytesUsed = 0;
  private lastReportAt = 0;
  private reported = '';
  private timer?: NodeJS.Timeout;
  private fatalSeen = false;

  constructor(opts: ProbeInputOptions) {
    this.probe = opts.probe;
    this.bus = opts.bus;
    this.eventsBytes = opts.eventsBytes ?? PROBE_LIMITS.eventsBytes;
    this.names = new NameSet(PROBE_LIMITS.names, opts.declared);
    // The last counts go out before the verdict is made (run:end comes first).
    opts.bus.once('run:end', () => this.report(true));
  }

  /** A probe's event: checked, bounded, rate-limited, then onto the bus (or dropped and counted). */
  event(kind: unknown, data: unknown, t: unknown): void {
    const now = Date.now();
    if (!this.events.take(now)) return this.count('eventsDropped');
    const named = probeEventKind(kind);
    if (named.renamed) this.count('kindsRenamed');
    const time = cleanTime(t, now);
    if (time.replaced) this.count('badTimes');
    const clean = cleanData(data);
    if (clean.replaced > 0) this.count('valuesReplaced', clean.replaced);
    // Each kind is a label value in /metrics: a probe inventing kinds must not grow that set.
    const other = !this.kinds.admit(named.kind);
    if (other) this.count('kindsOther');
    const event = other
      ? { t: time.t, probe: this.probe, kind: `${PROBE_KIND_PREFIX}other`, data: { ...clean.data, kind: named.kind } }
      : { t: time.t, probe: this.probe, kind: named.kind, ...(clean.data ? { data: clean.data } : {}) };
    // Its line in events.ndjson, newline included.
    const bytes = JSON.stringify(event).length + 1;
    if (this.eventBytesUsed + bytes > this.eventsBytes) return this.count('eventsDropped');
    this.eventBytesUsed += bytes;
    this.bus.emit('event', event);
  }

  /** A probe's log line: level mapped to one of the four, message and data bounded, rate-limited. */
  log(level: unknown, msg: unknown, data: unknown, t: unknown): void {
    const now = Date.now();
    if (!this.logs.take(now)) return this.count('logsDropped');
    const lvl = cleanLevel(level);
    if (lvl.mapped) this.count('badLevels');
    const time = cleanTime(t, now);
    if (time.replaced) this.count('badTimes');
    const clean = cleanData(data);
    if (clean.replaced > 0) this.count('valuesReplaced', clean.replaced);
    this.bus.emit('log', { t: time.t, probe: this.probe, level: lvl.level, msg: cleanMessage(msg), ...(clean.data ? { data: ownKeys(clean.data) } : {}) });
  }

  /** ctx.fatal(): the supervisor's `fatal` event (a probe's ctx.event('fatal') is only `probe:fatal`). */
  fatal(reason: unknown, data: unknown, t: unknown): void {
    if (this.fatalSeen) return; // the first is the verdict's; the rest would only flood the bus
    this.fatalSeen = true;
    const clean = cleanData(data);
    if (clean.replaced > 0) this.count('valuesReplaced', clean.replaced);
    const time = cleanTime(t);
    if (time.replaced) this.count('badTimes');
    this.bus.emit('event', { t: time.t, probe: this.probe, kind: 'fatal', data: { ...clean.data, reason: cleanMessage(reason) } });
  }

  /** A worker's counters and gauges: values checked, names capped; its runtime's own counts kept. */
  metrics(counters: unknown, gauges: unknown, workerTally?: unknown): { counters: Record<string, number>; gauges: Record<string, number> } {
    if (workerTally && typeof workerTally === 'object') {
      const next: Partial<InputTally> = {};
      for (const key of Object.keys(this.tally) as (keyof InputTally)[]) {
        const v = counterValue((workerTally as Record<string, unknown>)[key]);
        if (v !== undefined) next[key] = v;
      }
      if (JSON.stringify(next) !== JSON.stringify(this.workerTally)) {
        this.workerTally = next;
        this.changed();
      }
    }
    const out = { counters: {} as Record<string, number>, gauges: {} as Record<string, number> };
    this.setValues(out.counters, counters, counterValue);
    this.setValues(out.gauges, gauges, gaugeValue);
    return out;
  }

  /**
   * A process's stdout line that starts with `{`: `{"event": kind, t?, counters?, gauges?, ...data}`.
   * Counters and gauges are set into the maps given; an event also counts `events.<kind>` (and
   * a disconnect `drops.scheduled`/`drops.unscheduled`) whether or not the rate limit keeps it.
   * Returns whether it was a JSON object (the caller then merges its metrics).
   */
  eventLine(line: string, counters: Record<string, number>, gauges: Record<string, number>): boolean {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return false; // a line that only looks like JSON is output, not input
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return false;
    const { event, t, counters: c, gauges: g, ...data } = parsed as Record<string, unknown>;
    this.setValues(counters, c, counterValue);
    this.setValues(gauges, g, gaugeValue);
    if (typeof event === 'string' && event !== '' && event !== 'counters') {
      const kind = probeEventKind(event).kind;
      const bump = (name: string) => {
        if (this.names.admit(name)) counters[name] = (counters[name] ?? 0) + 1;
        else this.count('namesDropped');
      };
      bump(`events.${kind}`);
      if (kind === 'disconnect') bump(data.scheduled === true ? 'drops.scheduled' : 'drops.unscheduled');
      this.event(event, data, t);
    }
    return true;
  }

  private setValues(target: Record<string, number>, source: unknown, check: (v: unknown) => number | undefined): void {
    if (!source || typeof source !== 'object' || Array.isArray(source)) {
      if (source !== undefined) this.count('badValues');
      return;
    }
    for (const [k, v] of Object.entries(source)) {
      const name = cleanName(k);
      const value = check(v);
      if (value === undefined) this.count('badValues');
      else if (name === undefined || !this.names.admit(name)) this.count('namesDropped');
      else target[name] = value;
    }
  }

  /** Everything counted so far, the worker runtime's counts included. */
  counts(): Partial<InputTally> | undefined {
    const total = { ...this.tally };
    for (const [k, v] of Object.entries(this.workerTally) as [keyof InputTally, number][]) total[k] += v;
    return tallyEntries(total);
  }

  private count(what: keyof InputTally, by = 1): void {
    this.tally[what] += by;
    this.changed();
  }

  private changed(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastReportAt + REPORT_EVERY_MS - Date.now());
    this.timer = setTimeout(() => this.report(false), wait);
    this.timer.unref();
  }

  private report(final: boolean): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const counts = this.counts();
    const text = JSON.stringify(counts ?? {});
    if (!counts || text === this.reported) return;
    const first = this.reported === '';
    this.reported = text;
    this.lastReportAt = Date.now();
    this.bus.emit('event', { t: this.lastReportAt, probe: this.probe, kind: 'probe-input', data: { ...counts, ...(final ? { final: true } : {}) } });
    if (first || final) {
      this.bus.emit('log', { t: this.lastReportAt, probe: this.probe, level: 'warn', msg: `input from the probe was dropped or replaced (${describe(counts)}); limits in docs/probe-sdk.md` });
    }
  }
}

/** Keys of a log line the log itself writes: a probe's `level` or `time` in its data must not stand in for them. */
const LOG_KEYS = new Set(['level', 'time', 'msg', 'probe', 'pid', 'hostname', 'stderr', 'event']);

function ownKeys(data: Record<string, unknown>): Record<string, unknown> {
  if (!Object.keys(data).some((k) => LOG_KEYS.has(k))) return data;
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [LOG_KEYS.has(k) ? `data.${k}` : k, v]));
}

function describe(counts: Partial<InputTally>): string {
  return Object.entries(counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}
