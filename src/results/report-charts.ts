// report.html's charts: per-probe heap (used, post-GC floor, the floor's trend), the process's
// RSS and CPU, and the message rates, each with the run's events pinned on it.
import { MB } from '../shared/units.ts';
import { segments, type Segment } from './downsample.ts';
import { escapeHtml as esc, signed } from './format.ts';
import { ci, leakSummary, leakText } from './report-leak.ts';
import { eventCategory, marker } from './report-markers.ts';
import { floorPoints, messageRates, type ProbeSeries, type RunData } from './run-data.ts';
import type { ProbeFigures, RunSummary } from './run-summary.ts';
import { renderChart, type ChartLine, type MarkerCategory } from './svg-chart.ts';

function gapMs(data: RunData, s: ProbeSeries): number {
  let interval = data.sampleIntervalMs;
  if (!interval && s.t.length > 2) {
    const d = s.t.slice(1, 200).map((t, i) => t - s.t[i]!).sort((a, b) => a - b);
    interval = d[d.length >> 1];
  }
  return Math.max(5 * (interval ?? 1000), 3000);
}

const scaled = (values: number[], by: number) => values.map((v) => v / by);

export function heapChart(data: RunData, s: ProbeSeries, fig: ProbeFigures, maxPoints: number): string {
  const gap = gapMs(data, s);
  const floor = floorPoints(s);
  const floorSegs: Segment[] = floor.t.length ? [{ t: floor.t, y: scaled(floor.y, MB) }] : [];
  const lines: ChartLine[] = [
    { label: 'heap used', cls: 'used', style: 'line', segments: segments(s.t, scaled(s.heapUsed, MB), gap) },
    { label: 'heap floor (after GC)', cls: 'floor', style: floor.t.length > 400 ? 'line' : 'dots', segments: floorSegs },
  ];
  const notes: string[] = [];
  if (fig.trend && floor.t.length >= 2) {
    const a = floor.t[0]! - data.startT;
    const b = floor.t.at(-1)! - data.startT;
    const at = (x: number) => (fig.trend!.intercept + fig.trend!.slope * x) / MB;
    lines.push({ label: 'floor trend (Theil–Sen)', cls: 'trendc', style: 'trend', segments: [{ t: [a + data.startT, b + data.startT], y: [at(a), at(b)] }] });
  }
  // The verdict's figure when it has one; else this trend's, and the verdict's status beside it.
  if (fig.slopeSource === 'samples') notes.push(`floor slope <b>${esc(signed(fig.floorSlopeMbPerH))} MB/h</b>${ci(fig)}`);
  if (fig.leak) notes.push(leakText(fig));
  if (s.unresponsive) notes.push(`${s.unresponsive} unresponsive sample(s)`);
  const markers = data.events.filter((e) => e.probe === s.name).map((e) => marker(e, data.startT));
  return renderChart({ id: `heap-${s.name}`, title: `${s.name}: heap`, note: notes.join(' · '), t0: data.startT, t1: data.endT, unit: 'MB', lines, markers, maxPoints });
}

export function processCharts(data: RunData, summary: RunSummary, maxPoints: number): string {
  const proc = data.process ?? [...data.probes.values()][0];
  if (!proc) return '';
  const gap = gapMs(data, proc);
  const notable = new Set<MarkerCategory>(['crash', 'breach', 'snapshot']);
  const markers = data.events.filter((e) => notable.has(eventCategory(e)) || e.probe === 'process').map((e) => marker(e, data.startT));
  const rss = renderChart({
    id: 'process-rss',
    title: 'process RSS',
    note: rssNote(summary),
    t0: data.startT,
    t1: data.endT,
    unit: 'MB',
    lines: [{ label: 'RSS', cls: 'rss', style: 'line', segments: segments(proc.t, scaled(proc.rss, MB), gap) }],
    markers,
    maxPoints,
  });
  const cpu = renderChart({
    id: 'process-cpu',
    title: 'process CPU',
    t0: data.startT,
    t1: data.endT,
    unit: '%',
    zeroBased: true,
    lines: [{ label: 'CPU % (all cores)', cls: 'cpu', style: 'line', segments: segments(proc.t, proc.cpu, gap) }],
    markers,
    maxPoints,
  });
  return rss + cpu;
}

function rssNote(summary: RunSummary): string {
  const p = summary.process;
  const parts = ['all workers and the supervisor share one process'];
  if (p.rssLeak) parts.push(`RSS trend (verdict): ${leakSummary(p.rssLeak)}`);
  if (p.workersSlopeMbPerH !== undefined) parts.push(`workers' heaps ${esc(signed(p.workersSlopeMbPerH))} MB/h`);
  if (p.nativeSlopeMbPerH !== undefined) parts.push(`the rest (native, buffers, sockets) ${esc(signed(p.nativeSlopeMbPerH))} MB/h`);
  return parts.join(' · ');
}

export function messageChart(data: RunData, maxPoints: number): string {
  const probes = [...data.probes.values()].filter((s) => s.messages.some((n) => !Number.isNaN(n)));
  if (probes.length === 0) return '';
  const lines: ChartLine[] = probes.map((s, i) => {
    const r = messageRates(s);
    return { label: s.name, cls: `c${i % 8}`, style: 'line', segments: segments(r.t, r.y, gapMs(data, s)) };
  });
  const names = new Set(probes.map((p) => p.name));
  const markers = data.events
    .filter((e) => names.has(e.probe) && ['conn', 'fault', 'crash'].includes(eventCategory(e)))
    .map((e) => marker(e, data.startT));
  return renderChart({ id: 'msg-rate', title: 'message rate', t0: data.startT, t1: data.endT, unit: 'msg/s', zeroBased: true, lines, markers, maxPoints });
}
