// The metric catalogue: every name a threshold may use, its scope, its type and the aggregates
// it allows. Load-time checking (src/scenario) and evaluation (src/verdict) both resolve a
// threshold through `resolveMetric`, so an expression that loads is one that evaluates.
// Counters and gauges are per probe kind and come from the kind's descriptor (src/probes).
import type { Aggregate, Threshold } from './threshold.ts';

export type Scope = 'probe' | 'process';

/** Aggregates of a level series (one value per sample). A bare level name means `last`. */
const LEVEL_AGGREGATES = ['avg', 'min', 'max', 'first', 'last', 'growth', 'final_ratio', 'count', 'p50', 'p90', 'p99'] as const satisfies readonly Aggregate[];

export interface LevelMetric {
  name: string;
  scopes: readonly Scope[];
  unit: string;
  meaning: string;
  /** Memory levels never read 0, so `final_ratio` (last ÷ first) is defined for them only. */
  ratio?: boolean;
}

/** A counter is a total: `.count` and `.last` name that total. */
const COUNTER_AGGREGATES: readonly string[] = ['count', 'last'];

/** Series with one value per sample. */
export const LEVEL_METRICS: readonly LevelMetric[] = [
  { name: 'heap_used_mb', scopes: ['probe', 'process'], unit: 'MB', meaning: "used V8 heap of the probe's isolate (for process: the supervisor's own)", ratio: true },
  { name: 'heap_total_mb', scopes: ['probe', 'process'], unit: 'MB', meaning: 'V8 heap reserved', ratio: true },
  { name: 'heap_floor_mb', scopes: ['probe'], unit: 'MB', meaning: 'heap right after a full GC: the floor of the sawtooth', ratio: true },
  { name: 'external_mb', scopes: ['probe', 'process'], unit: 'MB', meaning: 'memory outside the V8 heap (Buffers)' },
  { name: 'rss_mb', scopes: ['probe', 'process'], unit: 'MB', meaning: "resident set size (a worker probe sees the whole process's; a process probe its own)", ratio: true },
  { name: 'cpu_pct', scopes: ['probe', 'process'], unit: '%', meaning: 'CPU over the last interval, % of one core' },
  { name: 'thread_cpu_pct', scopes: ['probe'], unit: '%', meaning: "the probe thread's own CPU, % of one core" },
  { name: 'elu', scopes: ['probe'], unit: '0..1', meaning: 'event-loop utilisation over the last interval' },
  { name: 'msg_rate', scopes: ['probe'], unit: 'msg/s', meaning: 'rate of the `messages` counter; `.avg` is total messages over the time they took' },
];

/** Leak-trend figures (docs/leak-detection.md): single numbers, no aggregate. */
export const LEAK_FIELDS = {
  slope_mb_per_h: 'slopeMbPerH',
  low_mb_per_h: 'lowMbPerH',
  high_mb_per_h: 'highMbPerH',
  p_value: 'pValue',
  projected_mb: 'projectedMb',
} as const;
export type LeakField = (typeof LEAK_FIELDS)[keyof typeof LEAK_FIELDS];

/** Ratios computed from a probe's counters (README "Error rate"). */
export const RATIO_METRICS = ['error_rate'] as const;

/** What a probe kind reports, as the catalogue needs it. */
export interface KindMetrics {
  isCounter(name: string): boolean;
  isGauge(name: string): boolean;
  /** For error messages: every counter and gauge name the kind declares. */
  names: readonly string[];
  /** For error messages: "a binance probe". */
  label: string;
}

export type ResolvedMetric =
  | { type: 'level'; metric: string; aggregate: (typeof LEVEL_AGGREGATES)[number] }
  | { type: 'counter'; name: string }
  | { type: 'gauge'; name: string }
  | { type: 'ratio'; name: (typeof RATIO_METRICS)[number] }
  | { type: 'leak'; field: LeakField };

export type Resolution = { ok: true; metric: ResolvedMetric } | { ok: false; message: string };

const fullName = (th: Threshold) => (th.aggregate ? `${th.metric}.${th.aggregate}` : th.metric);

/**
 * What a threshold names in a scope, or why it names nothing there. `kind` is undefined for the
 * process scope. A kind's own names win (a gauge may be called `event_latency_ms.p99`).
 */
export function resolveMetric(th: Threshold, scope: Scope, kind?: KindMetrics): Resolution {
  const full = fullName(th);
  const noWindow = (what: string): Resolution | undefined =>
    th.windowMs !== undefined ? { ok: false, message: `"over <window>" applies to level metrics only; ${what} "${full}" is a single number` } : undefined;
  // Ratios the catalogue defines win over a kind's gauge of the same name (bitunix publishes an
  // `error_rate` gauge for /metrics; the verdict computes it from the counters, one definition).
  if ((RATIO_METRICS as readonly string[]).includes(th.metric)) {
    if (scope !== 'probe') return { ok: false, message: `"${th.metric}" is a probe metric, not a process one` };
    if (th.aggregate) return { ok: false, message: `"${th.metric}" is a single ratio: "${th.aggregate}" does not apply` };
    return noWindow('ratio') ?? { ok: true, metric: { type: 'ratio', name: th.metric as 'error_rate' } };
  }
  if (scope === 'probe' && kind) {
    // `ticks.even.count`: the total of counter `ticks.even`, even where a family `ticks.*` would match the whole.
    if (th.aggregate && COUNTER_AGGREGATES.includes(th.aggregate) && kind.isCounter(th.metric)) {
      return noWindow('counter') ?? { ok: true, metric: { type: 'counter', name: th.metric } };
    }
    for (const name of [full, th.metric]) {
      const type = kind.isCounter(name) ? 'counter' : kind.isGauge(name) ? 'gauge' : undefined;
      if (!type) continue;
      // `ws_reconnects.count <= 5` (the README's spelling) reads a counter's total; no other aggregate does.
      if (name === th.metric && th.aggregate && !(type === 'counter' && COUNTER_AGGREGATES.includes(th.aggregate))) {
        return { ok: false, message: `${type} "${th.metric}" is a single number: "${th.aggregate}" does not apply (write "${th.metric} ${th.op} ${th.value}"${type === 'counter' ? ` or "${th.metric}.count ${th.op} ${th.value}"` : ''})` };
      }
      return noWindow(type) ?? { ok: true, metric: { type, name } };
    }
  }
  if (th.metric.startsWith('leak.')) {
    const field = LEAK_FIELDS[th.metric.slice(5) as keyof typeof LEAK_FIELDS];
    if (!field || th.aggregate) {
      return { ok: false, message: `unknown leak metric "${full}" (expected one of ${Object.keys(LEAK_FIELDS).map((f) => `leak.${f}`).join(', ')})` };
    }
    return noWindow('leak figure') ?? { ok: true, metric: { type: 'leak', field } };
  }
  const level = LEVEL_METRICS.find((m) => m.name === th.metric);
  if (level && level.scopes.includes(scope)) {
    const aggregate = th.aggregate ?? 'last';
    const allowed = LEVEL_AGGREGATES.filter((a) => a !== 'final_ratio' || level.ratio);
    if (!(allowed as readonly string[]).includes(aggregate)) {
      return { ok: false, message: `aggregate "${aggregate}" is not available for ${th.metric} (expected one of ${allowed.join(', ')})` };
    }
    return { ok: true, metric: { type: 'level', metric: th.metric, aggregate } };
  }
  return { ok: false, message: unknownMessage(full, scope, kind) };
}

function unknownMessage(full: string, scope: Scope, kind?: KindMetrics): string {
  const levels = LEVEL_METRICS.filter((m) => m.scopes.includes(scope)).map((m) => m.name);
  const known = [...levels, ...(scope === 'probe' ? RATIO_METRICS : []), 'leak.slope_mb_per_h', ...(kind?.names ?? [])];
  const where = scope === 'process' ? 'process metric' : `metric`;
  return `unknown ${where} "${full}"${kind ? ` for ${kind.label}` : ''} (expected one of ${known.join(', ')})`;
}
