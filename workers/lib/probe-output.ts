// What a probe's ctx calls become before they cross the MessagePort (#26: a user's probe is
// untrusted input). Checked here, in the probe's own thread, so that a probe calling ctx.event
// 400,000 times a second costs its own CPU and not the supervisor's: events and logs are
// rate-limited before any other work, data is made JSON-safe and bounded (a BigInt, a cycle or a
// function would make postMessage throw into the probe or stop the run), counter values must be
// non-negative finite numbers and names are capped. What was dropped is counted and sent with the
// counters; the supervisor checks everything again (src/supervisor/probe-input.ts).
import type { WorkerMessage } from '../../src/bus/protocol.ts';
import { cleanData, cleanMessage, cleanName, counterValue, emptyTally, gaugeValue, NameSet, PROBE_LIMITS, RateGate, tallyEntries, type InputTally } from '../../src/shared/untrusted.ts';

export class ProbeOutput {
  private readonly counters = new Map<string, number>();
  private readonly gauges = new Map<string, number>();
  private readonly tally: InputTally = emptyTally();
  private readonly events = new RateGate(PROBE_LIMITS.eventsPerSec);
  private readonly logs = new RateGate(PROBE_LIMITS.logsPerSec);
  private readonly names: NameSet;
  private readonly post: (message: WorkerMessage) => void;
  private fatalSent = false;

  /** `declared`: the scenario's counter and gauge names, never crowded out by others. */
  constructor(post: (message: WorkerMessage) => void, declared: readonly string[] = []) {
    this.post = post;
    this.names = new NameSet(PROBE_LIMITS.names, declared);
  }

  count(name: unknown, by: unknown = 1): void {
    const key = this.admit(name);
    const delta = counterValue(by);
    if (delta === undefined) return void this.tally.badValues++;
    if (key === undefined) return;
    const total = (this.counters.get(key) ?? 0) + delta;
    if (!Number.isFinite(total)) return void this.tally.badValues++;
    this.counters.set(key, total);
  }

  gauge(name: unknown, value: unknown): void {
    const v = gaugeValue(value);
    if (v === undefined) return void this.tally.badValues++;
    const key = this.admit(name);
    if (key !== undefined) this.gauges.set(key, v);
  }

  counter(name: string): number {
    return this.counters.get(name) ?? 0;
  }

  event(kind: unknown, data: unknown): void {
    if (!this.events.take()) return void this.tally.eventsDropped++;
    const clean = this.clean(data);
    this.post({ type: 'event', t: Date.now(), kind: cleanName(kind) ?? '', ...(clean ? { data: clean } : {}) });
  }

  log(level: unknown, msg: unknown, data: unknown): void {
    if (!this.logs.take()) return void this.tally.logsDropped++;
    const clean = this.clean(data);
    // The level is checked (and a bad one counted) by the supervisor: it maps `warning` → warn.
    this.post({ type: 'log', t: Date.now(), level: (typeof level === 'string' ? level : '') as 'info', msg: cleanMessage(msg), ...(clean ? { data: clean } : {}) });
  }

  fatal(reason: unknown, data: unknown): void {
    // The first says it all (the verdict keeps the first reason): a loop of them must not flood the port.
    if (this.fatalSent) return;
    this.fatalSent = true;
    const clean = this.clean(data);
    this.post({ type: 'fatal', t: Date.now(), reason: cleanMessage(reason), ...(clean ? { data: clean } : {}) });
  }

  /** The `counters` message: cumulative counters, current gauges, what was dropped so far. */
  report(t: number): WorkerMessage {
    const input = tallyEntries(this.tally) as Record<string, number> | undefined;
    return { type: 'counters', t, counters: Object.fromEntries(this.counters), gauges: Object.fromEntries(this.gauges), ...(input ? { input } : {}) };
  }

  /** Final counters for the task's result. */
  totals(): Record<string, number> {
    return Object.fromEntries(this.counters);
  }

  private admit(name: unknown): string | undefined {
    const key = cleanName(name);
    if (key !== undefined && this.names.admit(key)) return key;
    this.tally.namesDropped++;
    return undefined;
  }

  private clean(data: unknown): Record<string, unknown> | undefined {
    const { data: clean, replaced } = cleanData(data);
    this.tally.valuesReplaced += replaced;
    return clean;
  }
}
