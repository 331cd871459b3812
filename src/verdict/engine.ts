// The verdict engine: a bus consumer that folds samples into per-scope statistics, checks
// abort-on-fail thresholds as samples arrive, and renders the final verdict.
import { ProbeHealth } from './health.ts';
import type { Bus } from '../bus/bus.ts';
import type { ProbeEvent, Sample, VerdictProgress } from '../bus/types.ts';
import type { ThresholdSpec } from '../scenario/schema.ts';
import type { Criterion, Culprit, ProbeVerdict, Verdict } from '../bus/verdict.ts';
import { compare } from '../shared/threshold.ts';
import { resolveMetric, type KindMetrics, type LeakField, type Resolution } from '../shared/catalogue.ts';
import { kindMetrics } from '../probes/index.ts';
import { MetricScope } from './metrics.ts';
import { InstrumentCost } from '../shared/instrument-cost.ts';
import { LeakDetector, type LeakReport, type LeakSettings } from './leak.ts';

export type { Criterion, Verdict } from '../bus/verdict.ts';

export interface Breach {
  scope: string;
  criterion: Criterion;
}

export interface VerdictEngineOptions {
  bus: Bus;
  /**
   * `metrics`: what the probe reports (default: its kind's declared counters and gauges).
   * `leakSeries`: what its leak trend is judged on (default the post-GC heap floor; `rss` for a
   * process probe without a V8 heap exsoak can read: its own RSS).
   */
  probes: { name: string; kind: string; thresholds: ThresholdSpec[]; metrics?: KindMetrics; leakSeries?: LeakSeries; failOnFatal?: boolean }[];
  process: ThresholdSpec[];
  startedAt: number;
  /** `abortOnConfirmed`: stop the run at a probe's first confirmed leak (default: judge the whole run). */
  leak: Omit<LeakSettings, 'budgetBytes'> & { budgetBytes: number; failOnConfirmed: boolean; abortOnConfirmed?: boolean };
  onAbort?: (breach: Breach) => void;
  /** A worker's leak was confirmed (the snapshot taker listens). */
  onLeak?: (probe: string, report: LeakReport) => void;
  /** A probe whose samples found it unresponsive more often than this share fails (default 0.2). */
  maxUnresponsiveShare?: number;
}

export class VerdictEngine {
  private readonly scopes = new Map<string, MetricScope>();
  private readonly thresholds = new Map<string, ThresholdSpec[]>();
  /** Each threshold resolved once through the catalogue, keyed by scope and expression. */
  private readonly resolved = new Map<string, Resolution>();
  private readonly snapshotDiffs = new Map<string, unknown>();
  /** What holds the growth, by retainer path: `probes.NAME.leak.culprits`. */
  private readonly culprits = new Map<string, Culprit[]>();
  private readonly crashes = new Map<string, string>();
  /** A crashed process probe's exit code/signal and last stderr lines. */
  private readonly crashDetails = new Map<string, CrashDetail>();
  private readonly leakSeries = new Map<string, LeakSeries>();
  /** Why a probe's runtime view (its Python agent) is missing: prefixed to its leak reason. */
  private readonly runtimeMissing = new Map<string, string>();
  private readonly crashStacks = new Map<string, string>();
  /** A state the probe reported it cannot leave (a `fatal` event): its reason, first one kept. */
  private readonly fatals = new Map<string, { reason: string; fails: boolean }>();
  private readonly kinds = new Map<string, string>();
  private readonly statuses = new Map<string, string>();
  /** Abort-on-fail criteria as they were when they failed: the final verdict keeps them failed. */
  private readonly breached = new Map<string, Criterion>();
  private readonly leaks = new Map<string, LeakDetector>();
  private readonly leakStatus = new Map<string, string>();
  /** Probes whose leak was confirmed at some point: the early signal went out once. */
  private readonly earlyConfirmed = new Set<string>();
  private readonly rssTrend: LeakDetector;
  private readonly opts: VerdictEngineOptions;
  /** Heap snapshots' share of process RSS: kept out of every rss_mb criterion and trend. */
  private readonly instrument = new InstrumentCost();

  constructor(opts: VerdictEngineOptions) {
    this.opts = opts;
    for (const probe of opts.probes) {
      this.thresholds.set(probe.name, probe.thresholds);
      this.kinds.set(probe.name, probe.kind);
      this.statuses.set(probe.name, 'pending');
      this.scopes.set(probe.name, new MetricScope(probe.thresholds.map((t) => t.threshold)));
      const metrics = probe.metrics ?? kindMetrics(probe.kind);
      for (const t of probe.thresholds) this.resolved.set(`${probe.name}\u0000${t.threshold.expr}`, resolveMetric(t.threshold, 'probe', metrics));
      this.leaks.set(probe.name, new LeakDetector({ ...opts.leak, budgetBytes: budgetFor(probe.thresholds, opts.leak.budgetBytes), series: probe.leakSeries === 'rss' ? 'RSS' : 'heap-floor' }));
      this.leakSeries.set(probe.name, probe.leakSeries ?? 'heap_floor');
    }
    this.rssTrend = new LeakDetector({ ...opts.leak, budgetBytes: budgetFor(opts.process, opts.leak.budgetBytes), series: 'RSS' });
    this.thresholds.set('process', opts.process);
    this.scopes.set('process', new MetricScope(opts.process.map((t) => t.threshold)));
    for (const t of opts.process) this.resolved.set(`process\u0000${t.threshold.expr}`, resolveMetric(t.threshold, 'process'));
    opts.bus.on('sample', (sample) => this.onSample(sample));
    opts.bus.on('event', (event) => this.onEvent(event));
    // The process's first/growth/final_ratio start from its memory after start-up, not its peak.
    opts.bus.on('run:settled', ({ t }) => this.scopes.get('process')!.startUpOver(t));
    this.health = new ProbeHealth(opts.maxUnresponsiveShare ?? 0.2);
    opts.bus.on('sample', (sample) => this.health.onSample(sample));
    opts.bus.on('event', (event) => this.health.onEvent(event));
  }

  private readonly health: ProbeHealth;

  scope(name: string): MetricScope | undefined {
    return this.scopes.get(name);
  }

  private onEvent(event: ProbeEvent): void {
    if (this.instrument.onEvent(event)) return;
    if (event.kind === 'start') this.statuses.set(event.probe, 'running');
    if (event.kind === 'exit') this.statuses.set(event.probe, 'stopped');
    if (event.kind === 'snapshot-diff') {
      if (event.data?.rows !== undefined) this.snapshotDiffs.set(event.probe, event.data.rows);
      if (Array.isArray(event.data?.culprits)) this.culprits.set(event.probe, event.data.culprits as Culprit[]);
    }
    if (event.kind === 'fatal') this.onFatal(event);
    if (event.kind === 'runtime-missing' && this.leakSeries.has(event.probe)) {
      // A `python: true` probe whose agent never came: its leak is judged on its own RSS, and says why.
      this.leakSeries.set(event.probe, 'rss');
      this.runtimeMissing.set(event.probe, String(event.data?.reason ?? 'the runtime view is missing'));
    }
    if (event.kind === 'metrics-unscraped') {
      const scope = this.scopes.get(event.probe);
      const counters = event.data?.counters;
      if (scope && event.probe !== 'process' && counters && typeof counters === 'object') scope.unscraped = new Map(Object.entries(counters).map(([name, why]) => [name, String(why)]));
    }
    if (event.kind === 'crash') {
      this.statuses.set(event.probe, 'crashed');
      this.crashes.set(event.probe, String(event.data?.error ?? 'crashed'));
      const detail = crashDetail(event.data);
      if (detail) this.crashDetails.set(event.probe, detail);
      if (typeof event.data?.stack === 'string') this.crashStacks.set(event.probe, event.data.stack);
    }
  }

  /** Fails the probe and stops the run at once, unless its scenario says `failOnFatal: false`. */
  private onFatal(event: ProbeEvent): void {
    if (this.fatals.has(event.probe) || !this.kinds.has(event.probe)) return;
    const reason = String(event.data?.reason ?? 'fatal state');
    const fails = this.opts.probes.find((p) => p.name === event.probe)?.failOnFatal !== false;
    this.fatals.set(event.probe, { reason, fails });
    if (!fails) return;
    const criterion: Criterion = { expr: 'no fatal state', value: reason, pass: false, note: `entered at ${new Date(event.t).toISOString()}; the run was stopped` };
    this.opts.bus.emit('event', { t: event.t, probe: event.probe, kind: 'breach', data: { expr: criterion.expr, value: reason, fatal: true } });
    this.opts.onAbort?.({ scope: event.probe, criterion });
  }

  private onSample(raw: Sample): void {
    const scope = this.scopes.get(raw.probe);
    if (!scope) return;
    // The instrument must not move what it measures: RSS without the snapshots' share, and no
    // heap floor from a snapshot's collections.
    // A probe's own process is not where the supervisor writes snapshots: its RSS is taken as it is.
    const sample = { ...raw, rss: raw.ownProcess ? raw.rss : this.instrument.adjustRss(raw.rss), ...(this.instrument.floorIsOwn(raw.probe) ? {} : { heapFloor: null, heapFloorMajor: false }) };
    scope.add(sample);
    this.trackLeak(sample);
    if (sample.probe === 'process') this.emitProgress(sample.t);
    const elapsed = sample.t - this.opts.startedAt;
    for (const spec of this.thresholds.get(sample.probe) ?? []) {
      // While a snapshot is written RSS is between its before and after: no abort on that.
      if (!spec.abortOnFail || elapsed < spec.delayAbortEvalMs || this.instrument.busy) continue;
      const key = `${sample.probe}\u0000${spec.threshold.expr}`;
      if (this.breached.has(key)) continue;
      const criterion = this.evaluate(scope, spec, sample.probe);
      if (criterion.pass || criterion.value === null) continue;
      this.breached.set(key, { ...criterion, note: `failed at ${new Date(sample.t).toISOString()}; aborted` });
      this.opts.bus.emit('event', {
        t: sample.t,
        probe: sample.probe,
        kind: 'breach',
        data: { expr: criterion.expr, value: criterion.value, abortOnFail: true },
      });
      this.opts.onAbort?.({ scope: sample.probe, criterion });
    }
  }

  private trackLeak(sample: Sample): void {
    if (sample.probe === 'process') {
      this.rssTrend.add(sample.t, sample.rss);
      return;
    }
    const detector = this.leaks.get(sample.probe);
    if (!detector) return;
    let status: string;
    if (this.leakSeries.get(sample.probe) === 'rss') {
      // Only a process's own RSS says anything about this probe; the supervisor's mixes all of them.
      if (!sample.ownProcess) return;
      status = detector.add(sample.t, sample.rss);
    } else {
      if (sample.heapFloor === null || !sample.heapFloorMajor) return;
      status = detector.add(sample.t, sample.heapFloor);
    }
    const previous = this.leakStatus.get(sample.probe);
    if (status === previous) return;
    this.leakStatus.set(sample.probe, status);
    // The early signals (the `leak` event, its log line, the snapshots, the gauge) go out when a
    // leak is first suspected and first confirmed; the verdict keeps judging after. Growth that
    // stopped, and growth that resumed after it, are news too.
    const first = status === 'confirmed' && !this.earlyConfirmed.has(sample.probe);
    const news = first || (status === 'suspected' && !this.earlyConfirmed.has(sample.probe)) || status === 'bounded' || (status === 'confirmed' && previous === 'bounded');
    if (!news) return;
    const report = this.leakReport(sample.probe)!;
    this.opts.bus.emit('event', { t: sample.t, probe: sample.probe, kind: 'leak', data: { ...report, ...(first ? { first: true } : {}) } });
    if (!first) return;
    this.earlyConfirmed.add(sample.probe);
    this.opts.onLeak?.(sample.probe, report);
    if (this.opts.leak.abortOnConfirmed) this.abortOnLeak(sample, report);
  }

  /** `leak.abortOnConfirmed`: the scenario asked to stop at the first confirmed leak. */
  private abortOnLeak(sample: Sample, report: LeakReport): void {
    const key = `${sample.probe}\u0000${LEAK_CRITERION}`;
    if (this.breached.has(key)) return;
    const value = `${report.slopeMbPerH} MB/h [${report.lowMbPerH}, ${report.highMbPerH}]`;
    const criterion: Criterion = { expr: LEAK_CRITERION, value, pass: false, abortOnFail: true, note: `confirmed at ${new Date(sample.t).toISOString()}; aborted (leak.abortOnConfirmed)` };
    this.breached.set(key, criterion);
    this.opts.bus.emit('event', { t: sample.t, probe: sample.probe, kind: 'breach', data: { expr: LEAK_CRITERION, value, abortOnFail: true } });
    this.opts.onAbort?.({ scope: sample.probe, criterion });
  }

  /**
   * The verdict so far, on the bus once per sampler tick (the process sample comes last in a
   * tick, so every probe's sample of that tick is in). Computed only when someone listens.
   */
  private emitProgress(t: number): void {
    if (this.opts.bus.listenerCount('verdict:progress') === 0) return;
    const v = this.verdict('', 'running', t);
    const probes: VerdictProgress['probes'] = {};
    const scopes = [...Object.entries(v.probes), ['process', { ...v.process, status: 'running', leak: v.process.leak?.rss }] as const];
    for (const [name, p] of scopes) {
      probes[name] = {
        failed: p.status === 'crashed',
        // "sampled" is only a verdict at the end: a probe with a startDelay has no sample yet.
        criteria: p.criteria.map((c) => ({ expr: c.expr, pass: c.value === null || c.expr === 'sampled' ? null : c.pass })),
        leak: { status: p.leak?.status ?? 'none', slopeMbPerH: p.leak?.slopeMbPerH, lowMbPerH: p.leak?.lowMbPerH, highMbPerH: p.leak?.highMbPerH },
      };
    }
    this.opts.bus.emit('verdict:progress', { t, probes });
  }

  /** The probe's leak report, naming the series it judged (`heap_floor_mb` or `rss_mb`). */
  leakReport(probe: string): LeakReport | undefined {
    const report = this.leaks.get(probe)?.report();
    const missing = this.runtimeMissing.get(probe);
    return report && { ...report, series: this.leakSeries.get(probe) === 'rss' ? 'rss_mb' : 'heap_floor_mb', ...(missing ? { reason: `${missing}; judged on RSS${report.reason ? `: ${report.reason}` : ''}` } : {}) };
  }

  private leakValue(probe: string, field: LeakField): { value?: number; why?: string } {
    const report = probe === 'process' ? this.rssTrend.report() : this.leaks.get(probe)?.report();
    const value = report?.[field];
    const series = probe === 'process' || this.leakSeries.get(probe) === 'rss' ? 'RSS' : 'heap-floor';
    return value === undefined ? { why: `not enough ${series} points yet (${report?.points ?? 0})` } : { value };
  }

  private evaluate(scope: MetricScope, spec: ThresholdSpec, probe: string): Criterion {
    const th = spec.threshold;
    const base = spec.abortOnFail ? { abortOnFail: true } : {};
    const resolved = this.resolved.get(`${probe}\u0000${th.expr}`) ?? { ok: false, message: 'not resolved' };
    if (!resolved.ok) return { expr: th.expr, value: null, pass: false, note: resolved.message, ...base };
    const metric = resolved.metric;
    const { value, why } = metric.type === 'leak' ? this.leakValue(probe, metric.field) : scope.value(th, metric);
    if (value === undefined || Number.isNaN(value)) {
      return { expr: th.expr, value: null, pass: false, note: why ?? 'no data', ...base };
    }
    return { expr: th.expr, value: round(value), pass: compare(value, th.op, th.value), ...base };
  }

  /** A criterion that aborted the run stays as it was then: the snapshot and the teardown change the heap after. */
  private finalCriterion(scope: MetricScope, spec: ThresholdSpec, probe: string): Criterion {
    return this.breached.get(`${probe}\u0000${spec.threshold.expr}`) ?? this.evaluate(scope, spec, probe);
  }

  /** The final verdict: computed once and emitted as the run's last bus event. */
  finish(scenario: string, reason: string, endedAt: number): Verdict {
    const verdict = this.verdict(scenario, reason, endedAt);
    this.opts.bus.emit('verdict', verdict);
    return verdict;
  }

  /** The verdict over everything measured so far. */
  verdict(scenario: string, reason: string, endedAt: number): Verdict {
    const probes: Record<string, ProbeVerdict> = {};
    for (const [name, kind] of this.kinds) {
      const scope = this.scopes.get(name)!;
      const criteria = (this.thresholds.get(name) ?? []).map((spec) => this.finalCriterion(scope, spec, name));
      const culprits = this.culprits.get(name);
      const leak = withCulprits(this.leakReport(name)!, culprits);
      const aborted = this.breached.get(`${name}\u0000${LEAK_CRITERION}`);
      if (aborted) criteria.push(aborted);
      else if (this.opts.leak.failOnConfirmed && leak.status === 'confirmed') {
        criteria.push({ expr: LEAK_CRITERION, value: `${leak.slopeMbPerH} MB/h [${leak.lowMbPerH}, ${leak.highMbPerH}]`, pass: false });
      } else if (this.opts.leak.failOnConfirmed && this.earlyConfirmed.has(name)) {
        // Confirmed once, not any more: the row (and its live gauge) says so instead of vanishing.
        criteria.push({ expr: LEAK_CRITERION, value: leak.status === 'bounded' ? `bounded: +${leak.growthMb} MB, then flat` : leak.status, pass: true, note: 'confirmed earlier in the run' });
      }
      // Growth that stopped passes, unless the growth itself is more than the budget allows.
      if (leak.status === 'bounded' && leak.growthMb !== undefined && leak.growthMb > leak.budgetMb) {
        criteria.push({ expr: 'bounded growth within the leak budget', value: `${leak.growthMb} MB`, pass: false, note: `budget ${leak.budgetMb} MB` });
      }
      const error = this.crashes.get(name);
      const fatal = this.fatals.get(name);
      if (fatal?.fails) criteria.unshift({ expr: 'no fatal state', value: fatal.reason, pass: false });
      if (error !== undefined) criteria.unshift({ expr: 'no crash', value: error, pass: false });
      if (scope.samples === 0) criteria.unshift({ expr: 'sampled', value: 0, pass: false, note: 'no sample was taken' });
      criteria.push(...this.health.criteria(name));
      probes[name] = {
        pass: criteria.every((c) => c.pass),
        kind,
        status: this.statuses.get(name) ?? 'unknown',
        ...(error !== undefined ? { error } : {}),
        ...(this.crashDetails.has(name) ? this.crashDetails.get(name) : {}),
        ...(this.crashStacks.has(name) ? { stack: this.crashStacks.get(name) } : {}),
        ...(fatal ? { fatal: fatal.reason } : {}),
        ...(this.health.input(name) ? { input: this.health.input(name) } : {}),
        criteria,
        leak,
        ...(this.snapshotDiffs.has(name) ? { snapshotDiff: this.snapshotDiffs.get(name) } : {}),
      };
    }
    const processScope = this.scopes.get('process')!;
    const processCriteria = [...(this.thresholds.get('process') ?? []).map((spec) => this.finalCriterion(processScope, spec, 'process')), ...this.health.processCriteria()];
    const rss = this.rssTrend.report();
    // Only probes inside the supervisor's process explain its RSS; a process probe's slope is its own.
    const workersSlope = [...this.leaks].filter(([name]) => this.leakSeries.get(name) !== 'rss').reduce((sum, [, d]) => sum + (d.report().slopeMbPerH ?? 0), 0);
    const processPass = processCriteria.every((c) => c.pass);
    return {
      pass: processPass && Object.values(probes).every((p) => p.pass) && reason === 'completed',
      scenario,
      partial: reason !== 'completed',
      reason,
      durationMs: endedAt - this.opts.startedAt,
      probes,
      process: {
        pass: processPass,
        criteria: processCriteria,
        // Subtracted from every rss_mb figure above: what writing heap snapshots cost the process.
        instrumentRssMb: Math.round((this.instrument.offsetBytes / 1024 / 1024) * 10) / 10,
        leak: {
          rss,
          workersSlopeMbPerH: Math.round(workersSlope * 1000) / 1000,
          nativeSlopeMbPerH: rss.slopeMbPerH === undefined ? null : Math.round((rss.slopeMbPerH - workersSlope) * 1000) / 1000,
        },
      },
    };
  }
}

type LeakSeries = 'heap_floor' | 'rss';

const LEAK_CRITERION = 'no confirmed leak';

/**
 * The snapshot diff's culprits beside the report; growth not known to have stopped also says
 * what they would show: a cache's holder stops gaining entries at its cap, a leak's does not.
 */
function withCulprits(report: LeakReport, culprits: Culprit[] | undefined): LeakReport {
  if (!culprits?.length) return report;
  const open = report.status === 'confirmed' || report.status === 'suspected' || report.status === 'inconclusive';
  const top = culprits[0]!;
  const hint = open && report.reason ? `; the top culprit ${top.holder} gained ${top.countDelta.toLocaleString('en-US')} entries between the two snapshots: a bounded cache stops gaining at its cap (compare with its configured size), a leak keeps gaining in every later pair of snapshots` : '';
  return { ...report, ...(hint ? { reason: report.reason + hint } : {}), culprits };
}

interface CrashDetail {
  exit: { code: number | null; signal: string | null };
  stderrTail: string[];
}

/** A process probe's crash event carries its exit code/signal and its last stderr lines. */
function crashDetail(data: Record<string, unknown> | undefined): CrashDetail | undefined {
  if (!data || !('code' in data || 'signal' in data) || !Array.isArray(data.stderrTail)) return undefined;
  const code = typeof data.code === 'number' ? data.code : null;
  const signal = typeof data.signal === 'string' ? data.signal : null;
  return { exit: { code, signal }, stderrTail: data.stderrTail.map(String) };
}

function round(value: number): number {
  return Math.abs(value) >= 100 ? Math.round(value * 100) / 100 : Math.round(value * 1e6) / 1e6;
}

/** The growth budget of a scope: its `heap_floor_mb.growth < X` (or `rss_mb.growth`) threshold if any. */
function budgetFor(thresholds: ThresholdSpec[], fallback: number): number {
  const growth = thresholds.find((t) => t.threshold.aggregate === 'growth' && /^(heap_floor_mb|rss_mb)$/.test(t.threshold.metric));
  return growth ? growth.threshold.value * 1024 * 1024 : fallback;
}
