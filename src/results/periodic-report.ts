// The periodic report (#17 item 1): a bus consumer that every `report.every` (and once at the end
// of the run) folds what it has seen into a report, appends it to reports.ndjson and puts it on
// the bus as a `report` event for the log and the terminal. Independent of --no-progress and of
// whether stderr is a terminal: the seed's users read these reports in the results folder.
import path from 'node:path';
import type { Bus } from '../bus/bus.ts';
import type { ProbeEvent, Sample } from '../bus/types.ts';
import type { MemoryFigures, MemoryRow, PeriodicReport, ProbeReport } from '../bus/report.ts';
import type { KindMetrics } from '../shared/catalogue.ts';
import { InstrumentCost } from '../shared/instrument-cost.ts';
import { MemoryCheckpoints } from '../shared/memory-table.ts';
import { MB } from '../shared/units.ts';
import { NdjsonFile } from './files.ts';

/** The seed's leak check: final memory < 1.5 × the first sample. */
const LEAK_RATIO_LIMIT = 1.5;

export interface PeriodicReporterOptions {
  bus: Bus;
  /** The results folder (reports.ndjson); none: reports go on the bus only. */
  dir?: string;
  scenario: string;
  startedAt: number;
  durationMs: number;
  nominalMs: number;
  everyMs: number;
  probes: { name: string; kind: string; metrics: KindMetrics }[];
  onError(err: Error): void;
}

interface ProbeState {
  kind: string;
  metrics: KindMetrics;
  status: string;
  counters: Record<string, number>;
  state: string | null;
  ws: Map<string, boolean>;
  /** Messages and time at the previous report, for the rate since. */
  lastMessages?: { t: number; n: number };
  /** A process probe's own RSS (its samples say `ownProcess`): its figures and memory table. */
  own?: { rss: RssStats; table: MemoryCheckpoints };
}

interface RssStats {
  last: number;
  peak: number;
  sum: number;
  n: number;
}

export class PeriodicReporter {
  private readonly opts: PeriodicReporterOptions;
  private readonly file?: NdjsonFile;
  private readonly probes = new Map<string, ProbeState>();
  private readonly instrument = new InstrumentCost();
  private readonly table: MemoryCheckpoints;
  private rss: RssStats | undefined;
  private settledAt?: number;
  private timer?: NodeJS.Timeout;
  private seq = 0;
  private failed = false;
  private done = false;

  constructor(opts: PeriodicReporterOptions) {
    this.opts = opts;
    this.table = new MemoryCheckpoints({ startedAt: opts.startedAt, durationMs: opts.durationMs, nominalMs: opts.nominalMs });
    for (const p of opts.probes) this.probes.set(p.name, { kind: p.kind, metrics: p.metrics, status: 'pending', counters: {}, state: null, ws: new Map() });
    if (opts.dir) {
      try {
        this.file = new NdjsonFile(path.join(opts.dir, 'reports.ndjson'));
      } catch (err) {
        this.fail(err as Error);
      }
    }
    opts.bus.on('sample', (s) => this.onSample(s));
    opts.bus.on('event', (e) => this.onEvent(e));
    opts.bus.on('run:start', () => this.start());
    // The leak check's "initial" is the table's h0: the first sample after start-up.
    opts.bus.on('run:settled', ({ t }) => {
      this.settledAt = t;
      this.table.startUpOver(t);
      for (const p of this.probes.values()) p.own?.table.startUpOver(t);
    });
    opts.bus.on('run:end', (end) => this.finish(end.t));
  }

  /**
   * Reports every `everyMs` from the probes' start (run:start, when the run's clock starts), as
   * long as the run has time left: the report due at the end is the final one, like the 8 h
   * checklist's hour 8. The timer does not keep the process alive.
   */
  start(): void {
    if (this.timer || this.done) return;
    // By the tick's number, not the clock: a tick that a busy machine delays is still its report.
    let ticks = 0;
    this.timer = setInterval(() => {
      if (++ticks * this.opts.everyMs < this.opts.durationMs - this.opts.everyMs / 10) this.report(Date.now(), false);
    }, this.opts.everyMs);
    this.timer.unref();
  }

  /** The final report, once: at the end of the run, also an interrupted or aborted one. */
  finish(t: number): PeriodicReport | undefined {
    if (this.done) return undefined;
    clearInterval(this.timer);
    const report = this.report(t, true);
    this.done = true;
    this.file?.close();
    return report;
  }

  private onSample(sample: Sample): void {
    if (sample.probe === 'process') {
      const rss = this.instrument.adjustRss(sample.rss) / MB;
      this.table.add(sample.t, rss);
      this.rss = fold(this.rss, rss);
      return;
    }
    const p = this.probes.get(sample.probe);
    if (!p) return;
    p.counters = sample.counters;
    // A process probe's own process: where the seed's memory checks belong (the snapshots are
    // written by the supervisor, so its RSS is taken as it is).
    if (sample.ownProcess) {
      if (!p.own) {
        p.own = { rss: fold(undefined, sample.rss / MB), table: new MemoryCheckpoints({ startedAt: this.opts.startedAt, durationMs: this.opts.durationMs, nominalMs: this.opts.nominalMs }) };
        if (this.settledAt !== undefined) p.own.table.startUpOver(this.settledAt);
      } else p.own.rss = fold(p.own.rss, sample.rss / MB);
      p.own.table.add(sample.t, sample.rss / MB);
    }
  }

  private onEvent(event: ProbeEvent): void {
    if (this.instrument.onEvent(event)) return;
    const p = this.probes.get(event.probe);
    if (!p) return;
    const data = event.data ?? {};
    if (event.kind === 'start') p.status = 'running';
    else if (event.kind === 'exit') {
      p.status = 'stopped';
      // The exit carries the final counters: the final report must not lag the last sample.
      if (data.counters && typeof data.counters === 'object') p.counters = data.counters as Record<string, number>;
    } else if (event.kind === 'crash') p.status = 'crashed';
    else if (event.kind === 'state' && typeof data.to === 'string') p.state = data.to;
    else if (event.kind === 'connect' || event.kind === 'disconnect') {
      const stream = String(data.channel ?? data.connection ?? 'ws');
      p.ws.set(stream, event.kind === 'connect');
    }
  }

  /** Builds one report, writes it and puts it on the bus. */
  report(t: number, final: boolean): PeriodicReport {
    const elapsedMs = Math.max(0, t - this.opts.startedAt);
    const scale = this.opts.durationMs > 0 ? this.opts.nominalMs / this.opts.durationMs : 1;
    const report: PeriodicReport = {
      t,
      time: new Date(t).toISOString(),
      scenario: this.opts.scenario,
      seq: ++this.seq,
      final,
      elapsedMs,
      elapsedHours: round(elapsedMs / 3_600_000, 4),
      nominalHours: round((elapsedMs * scale) / 3_600_000, 4),
      memory: memoryFigures(this.rss, this.table.initialMb),
      probes: Object.fromEntries([...this.probes].map(([name, p]) => [name, this.probeReport(p, t)])),
      ...(final ? { memoryTable: this.memoryRows(t) } : {}),
    };
    if (!this.failed && this.file) {
      try {
        this.file.append(report);
      } catch (err) {
        this.fail(err as Error);
      }
    }
    this.opts.bus.emit('report', report);
    return report;
  }

  /** The supervisor's checkpoints, with each process probe's own RSS beside them. */
  private memoryRows(t: number): MemoryRow[] {
    const rows = this.table.rows(t);
    const own = [...this.probes].flatMap(([name, p]) => (p.own ? [[name, p.own.table.rows(t)] as const] : []));
    if (own.length === 0) return rows;
    return rows.map((row, i) => ({ ...row, probesRssMb: Object.fromEntries(own.map(([name, r]) => [name, r[i]!.rssMb])) }));
  }

  /** What applies to the probe's kind, judged by what it declares (no switching on kind names). */
  private probeReport(p: ProbeState, t: number): ProbeReport {
    const c = p.counters;
    const has = (name: string) => p.metrics.isCounter(name);
    const out: ProbeReport = { kind: p.kind, status: p.status, errors: c.errors ?? 0 };
    if (has('operations_failed')) out.operationsFailed = c.operations_failed ?? 0;
    if (has('orders.placed')) out.ordersPlaced = c['orders.placed'] ?? 0;
    if (has('orders.modified')) out.ordersModified = c['orders.modified'] ?? 0;
    if (has('ws_reconnects')) out.wsReconnects = c.ws_reconnects ?? 0;
    if (p.metrics.isGauge('state') || p.metrics.isCounter('state.error_lock')) out.executorState = p.state;
    if (has('connects') || has('ws_reconnects')) {
      out.wsConnected = p.ws.size === 0 ? null : [...p.ws.values()].every(Boolean);
      out.ws = Object.fromEntries(p.ws);
    }
    if (has('messages')) {
      const n = c.messages ?? 0;
      out.messages = n;
      const prev = p.lastMessages ?? { t: this.opts.startedAt, n: 0 };
      if (t > prev.t) out.msgRate = round((Math.max(0, n - prev.n) * 1000) / (t - prev.t), 2);
      p.lastMessages = { t, n };
    }
    if (has('drops.unscheduled')) out.drops = { scheduled: c['drops.scheduled'] ?? 0, unscheduled: c['drops.unscheduled'] ?? 0 };
    if (p.own) out.memory = memoryFigures(p.own.rss, p.own.table.initialMb);
    return out;
  }

  private fail(err: Error): void {
    // Once: a full disk fails every later write the same way.
    if (this.failed) return;
    this.failed = true;
    this.opts.onError(err);
  }
}

function fold(stats: RssStats | undefined, mb: number): RssStats {
  if (!stats) return { last: mb, peak: mb, sum: mb, n: 1 };
  return { last: mb, peak: Math.max(stats.peak, mb), sum: stats.sum + mb, n: stats.n + 1 };
}

/** Current, peak, average and the seed's leak check against `initial` (h0 of the memory table). */
function memoryFigures(r: RssStats | undefined, initial: number | null): MemoryFigures {
  const ratio = r && initial !== null && initial > 0 ? r.last / initial : null;
  return {
    currentMb: r ? round(r.last, 1) : null,
    peakMb: r ? round(r.peak, 1) : null,
    averageMb: r ? round(r.sum / r.n, 1) : null,
    initialMb: initial === null ? null : round(initial, 1),
    leakCheck: { ratio: ratio === null ? null : round(ratio, 3), limit: LEAK_RATIO_LIMIT, pass: ratio === null ? null : ratio < LEAK_RATIO_LIMIT },
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
