// The verdict engine: a bus consumer that folds samples into per-scope statistics, checks
// abort-on-fail thresholds as samples arrive, and renders the final verdict.
import type { Bus } from '../bus/bus.ts';
import type { ProbeEvent, Sample } from '../bus/types.ts';
import type { ThresholdSpec } from '../scenario/schema.ts';
import { compare } from './expression.ts';
import { MetricScope } from './metrics.ts';

export interface Criterion {
  expr: string;
  value: number | string | null;
  pass: boolean;
  abortOnFail?: boolean;
  note?: string;
}

export interface ProbeVerdict {
  pass: boolean;
  kind: string;
  status: string;
  error?: string;
  criteria: Criterion[];
  leak?: Record<string, unknown>;
}

export interface Verdict {
  pass: boolean;
  scenario: string;
  partial: boolean;
  reason: string;
  durationMs: number;
  probes: Record<string, ProbeVerdict>;
  process: { pass: boolean; criteria: Criterion[] };
}

export interface Breach {
  scope: string;
  criterion: Criterion;
}

export interface VerdictEngineOptions {
  bus: Bus;
  probes: { name: string; kind: string; thresholds: ThresholdSpec[] }[];
  process: ThresholdSpec[];
  startedAt: number;
  onAbort?: (breach: Breach) => void;
}

export class VerdictEngine {
  private readonly scopes = new Map<string, MetricScope>();
  private readonly thresholds = new Map<string, ThresholdSpec[]>();
  private readonly crashes = new Map<string, string>();
  private readonly kinds = new Map<string, string>();
  private readonly statuses = new Map<string, string>();
  private readonly breached = new Set<string>();
  private readonly opts: VerdictEngineOptions;

  constructor(opts: VerdictEngineOptions) {
    this.opts = opts;
    for (const probe of opts.probes) {
      this.thresholds.set(probe.name, probe.thresholds);
      this.kinds.set(probe.name, probe.kind);
      this.statuses.set(probe.name, 'pending');
      this.scopes.set(probe.name, new MetricScope(probe.thresholds.map((t) => t.threshold)));
    }
    this.thresholds.set('process', opts.process);
    this.scopes.set('process', new MetricScope(opts.process.map((t) => t.threshold)));
    opts.bus.on('sample', (sample) => this.onSample(sample));
    opts.bus.on('event', (event) => this.onEvent(event));
  }

  scope(name: string): MetricScope | undefined {
    return this.scopes.get(name);
  }

  private onEvent(event: ProbeEvent): void {
    if (event.kind === 'start') this.statuses.set(event.probe, 'running');
    if (event.kind === 'exit') this.statuses.set(event.probe, 'stopped');
    if (event.kind === 'crash') {
      this.statuses.set(event.probe, 'crashed');
      this.crashes.set(event.probe, String(event.data?.error ?? 'crashed'));
    }
  }

  private onSample(sample: Sample): void {
    const scope = this.scopes.get(sample.probe);
    if (!scope) return;
    scope.add(sample);
    const elapsed = sample.t - this.opts.startedAt;
    for (const spec of this.thresholds.get(sample.probe) ?? []) {
      if (!spec.abortOnFail || elapsed < spec.delayAbortEvalMs) continue;
      const key = `${sample.probe}\u0000${spec.threshold.expr}`;
      if (this.breached.has(key)) continue;
      const criterion = this.evaluate(scope, spec);
      if (criterion.pass || criterion.value === null) continue;
      this.breached.add(key);
      this.opts.bus.emit('event', {
        t: sample.t,
        probe: sample.probe,
        kind: 'breach',
        data: { expr: criterion.expr, value: criterion.value, abortOnFail: true },
      });
      this.opts.onAbort?.({ scope: sample.probe, criterion });
    }
  }

  private evaluate(scope: MetricScope, spec: ThresholdSpec): Criterion {
    const th = spec.threshold;
    const { value, why } = scope.value(th);
    const base = spec.abortOnFail ? { abortOnFail: true } : {};
    if (value === undefined || Number.isNaN(value)) {
      return { expr: th.expr, value: null, pass: false, note: why ?? 'no data', ...base };
    }
    return { expr: th.expr, value: round(value), pass: compare(value, th.op, th.value), ...base };
  }

  /** The verdict over everything measured so far. */
  verdict(scenario: string, reason: string, endedAt: number): Verdict {
    const probes: Record<string, ProbeVerdict> = {};
    for (const [name, kind] of this.kinds) {
      const scope = this.scopes.get(name)!;
      const criteria = (this.thresholds.get(name) ?? []).map((spec) => this.evaluate(scope, spec));
      const error = this.crashes.get(name);
      if (error !== undefined) criteria.unshift({ expr: 'no crash', value: error, pass: false });
      if (scope.samples === 0) criteria.unshift({ expr: 'sampled', value: 0, pass: false, note: 'no sample was taken' });
      probes[name] = {
        pass: criteria.every((c) => c.pass),
        kind,
        status: this.statuses.get(name) ?? 'unknown',
        ...(error !== undefined ? { error } : {}),
        criteria,
      };
    }
    const processScope = this.scopes.get('process')!;
    const processCriteria = (this.thresholds.get('process') ?? []).map((spec) => this.evaluate(processScope, spec));
    const processPass = processCriteria.every((c) => c.pass);
    return {
      pass: processPass && Object.values(probes).every((p) => p.pass) && reason === 'completed',
      scenario,
      partial: reason !== 'completed',
      reason,
      durationMs: endedAt - this.opts.startedAt,
      probes,
      process: { pass: processPass, criteria: processCriteria },
    };
  }
}

function round(value: number): number {
  return Math.abs(value) >= 100 ? Math.round(value * 100) / 100 : Math.round(value * 1e6) / 1e6;
}
