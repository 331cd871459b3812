// A k6-style machine summary of a run (`--summary-export`): the shape of k6's handleSummary
// data, so dashboards and scripts written for k6 read it as they are. Each metric is keyed
// `name{probe:NAME}` (k6's sub-metric notation) with its aggregates under `values`, and the
// criteria that name it under `thresholds: {expr: {ok}}`.
import type { Criterion, Verdict } from '../bus/verdict.ts';
import { MB } from '../shared/units.ts';
import type { ProbeSeries, RunData } from './run-data.ts';
import { messageRates, newSeries } from './run-data.ts';
import { probeFigures, probeNames } from './run-summary.ts';

interface SummaryMetric {
  type: 'trend' | 'counter' | 'gauge' | 'rate';
  contains: 'data' | 'default';
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface SummaryExport {
  /** What wrote it; k6 readers ignore keys they do not know. */
  exsoak: { scenario: string; run_id: string; pass: boolean | null; partial: boolean | null; reason: string | null; host?: string };
  state: { testRunDurationMs: number; isStdOutTTY: false; isStdErrTTY: false };
  metrics: Record<string, SummaryMetric>;
}

/** avg min med max p(90) p(95) of the finite values, rounded for humans; undefined when none. */
function trendValues(values: readonly number[], scale = 1): Record<string, number> | undefined {
  const v = values.filter((x) => Number.isFinite(x)).map((x) => x / scale).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const q = (p: number) => {
    const i = (v.length - 1) * p;
    const lo = Math.floor(i);
    return v[lo]! + (v[Math.min(lo + 1, v.length - 1)]! - v[lo]!) * (i - lo);
  };
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { avg: r(v.reduce((a, b) => a + b, 0) / v.length), min: r(v[0]!), med: r(q(0.5)), max: r(v.at(-1)!), 'p(90)': r(q(0.9)), 'p(95)': r(q(0.95)) };
}

function withEnds(values: readonly number[], scale: number): Record<string, number> | undefined {
  const agg = trendValues(values, scale);
  if (!agg) return undefined;
  const finite = values.filter((x) => Number.isFinite(x));
  const r = (x: number) => Math.round((x / scale) * 1000) / 1000;
  return { ...agg, first: r(finite[0]!), last: r(finite.at(-1)!), growth: r(finite.at(-1)! - finite[0]!) };
}

/** The metric a criterion names: "heap_floor_mb.growth < 50" → heap_floor_mb, "leak.slope_mb_per_h < 5" → leak.slope_mb_per_h. */
function metricOf(expr: string): string {
  const path = /^\s*([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)/i.exec(expr)?.[1];
  if (!path) return 'checks';
  if (path.startsWith('leak.')) return path;
  const parts = path.split('.');
  const aggregates = new Set(['avg', 'min', 'max', 'first', 'last', 'growth', 'final_ratio', 'count', 'p50', 'p90', 'p99']);
  return parts.length > 1 && aggregates.has(parts.at(-1)!) ? parts.slice(0, -1).join('.') : path;
}

function attach(metrics: Record<string, SummaryMetric>, scope: string, criteria: Criterion[]): void {
  for (const c of criteria) {
    // Checks that are not a metric's threshold ("no crash", "sampled", "no confirmed leak").
    const name = /^[a-z]/i.test(c.expr) && /(<=|>=|==|!=|<|>)/.test(c.expr) ? metricOf(c.expr) : 'checks';
    const key = `${name}{probe:${scope}}`;
    // A metric no series covers (a probe gauge, a leak figure) gets the criterion's value.
    const m = (metrics[key] ??= { type: name === 'checks' ? 'rate' : 'gauge', contains: 'default', values: typeof c.value === 'number' && name !== 'checks' ? { value: c.value } : {} });
    (m.thresholds ??= {})[c.expr] = { ok: c.pass };
  }
  const checks = metrics[`checks{probe:${scope}}`];
  if (checks?.thresholds) {
    const all = Object.values(checks.thresholds);
    checks.values = { rate: all.filter((t) => t.ok).length / all.length, passes: all.filter((t) => t.ok).length, fails: all.filter((t) => !t.ok).length };
  }
}

function seriesMetrics(metrics: Record<string, SummaryMetric>, scope: string, s: ProbeSeries): void {
  const put = (name: string, values: Record<string, number> | undefined, type: SummaryMetric['type'] = 'trend') => {
    if (values) metrics[`${name}{probe:${scope}}`] = { type, contains: 'data', values };
  };
  put('heap_used_mb', withEnds(s.heapUsed, MB));
  put('heap_total_mb', withEnds(s.heapTotal, MB));
  put('heap_floor_mb', withEnds(s.heapFloor, MB));
  put('rss_mb', withEnds(s.rss, MB));
  put('cpu_pct', trendValues(s.cpu));
  if (scope !== 'process') {
    put('elu', trendValues(s.elu));
    put('msg_rate', trendValues(messageRates(s).y));
  }
}

export function renderSummaryExport(data: RunData): SummaryExport {
  const verdict: Verdict | undefined = data.verdict;
  const metrics: Record<string, SummaryMetric> = {};
  for (const name of probeNames(data)) {
    const s = data.probes.get(name) ?? newSeries(name);
    seriesMetrics(metrics, name, s);
    for (const [counter, total] of Object.entries(s.totals)) {
      const seconds = (data.endT - data.startT) / 1000;
      metrics[`${counter}{probe:${name}}`] = { type: 'counter', contains: 'default', values: { count: total, ...(seconds > 0 ? { rate: Math.round((total / seconds) * 1000) / 1000 } : {}) } };
    }
    const leak = probeFigures(data, s).leak;
    if (leak?.slopeMbPerH !== undefined) {
      metrics[`leak.slope_mb_per_h{probe:${name}}`] = {
        type: 'gauge',
        contains: 'data',
        values: {
          value: leak.slopeMbPerH,
          ...(leak.lowMbPerH !== undefined ? { low: leak.lowMbPerH } : {}),
          ...(leak.highMbPerH !== undefined ? { high: leak.highMbPerH } : {}),
          ...(leak.pValue !== undefined ? { p_value: leak.pValue } : {}),
        },
      };
    }
    const p = verdict?.probes[name];
    if (p) attach(metrics, name, p.criteria);
  }
  if (data.process) seriesMetrics(metrics, 'process', data.process);
  if (verdict) attach(metrics, 'process', verdict.process.criteria);
  const run = data.run as { scenario?: string; host?: { hostname?: string } } | undefined;
  return {
    exsoak: {
      scenario: verdict?.scenario ?? run?.scenario ?? '',
      run_id: data.dir.split(/[\\/]/).filter(Boolean).at(-1) ?? '',
      pass: verdict ? verdict.pass : null,
      partial: verdict ? verdict.partial : null,
      reason: verdict ? verdict.reason : null,
      ...(run?.host?.hostname ? { host: run.host.hostname } : {}),
    },
    state: { testRunDurationMs: verdict?.durationMs ?? data.endT - data.startT, isStdOutTTY: false, isStdErrTTY: false },
    metrics,
  };
}
