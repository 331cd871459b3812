// report.html: one self-contained page (inline CSS and SVG, no script, no network) that reads
// well on a phone: the verdict, per-probe figures, memory and message-rate charts over time with
// the run's events pinned on them, snapshot diffs, and the run's metadata.
import path from 'node:path';
import type { ProbeEvent } from '../bus/types.ts';
import type { Verdict } from '../bus/verdict.ts';
import { MB } from '../shared/units.ts';
import { redactSecretFields as redact } from '../shared/secrets.ts';
import { segments, type Segment } from './downsample.ts';
import { writeTextAtomic } from './files.ts';
import { bytes, elapsed, escapeHtml as esc, fmt, signed } from './format.ts';
import { floorPoints, messageRates, type ProbeSeries, type RunData } from './run-data.ts';
import { REPORT_CSS } from './report-style.ts';
import { memorySection } from './memory-section.ts';
import { leakOf, summarizeRun, type LeakEstimate, type ProbeFigures, type RunSummary } from './run-summary.ts';
import { renderChart, type ChartLine, type ChartMarker, type MarkerCategory } from './svg-chart.ts';

export interface ReportOptions {
  /** Points per chart series at most (default 1000). */
  maxPoints?: number;
  now?: Date;
}

/**
 * Renders and writes `<dir>/report.html` atomically from a results folder read back (read-run.ts)
 * or collected at the end of a run (run-data.ts); returns its path.
 */
export function writeReport(data: RunData, opts: ReportOptions = {}): string {
  const file = path.join(data.dir, 'report.html');
  writeTextAtomic(file, renderRunData(data, opts));
  return file;
}

const CATEGORY: Record<string, MarkerCategory> = {
  connect: 'conn',
  reconnect: 'conn',
  disconnect: 'conn',
  rotation: 'conn',
  drop: 'conn',
  crash: 'crash',
  abort: 'crash',
  breach: 'breach',
  leak: 'breach',
  snapshot: 'snapshot',
  state: 'state',
  stuck: 'state',
  unresponsive: 'fault',
  responsive: 'fault',
  error: 'fault',
  fault: 'fault',
  start: 'life',
  exit: 'life',
};

const CATEGORY_LABEL: Record<MarkerCategory, string> = {
  conn: 'connects, disconnects, rotations',
  fault: 'faults, errors, unscheduled drops, unresponsive',
  state: 'state changes',
  crash: 'crashes, aborts',
  breach: 'threshold breaches, leaks',
  snapshot: 'heap snapshots',
  life: 'start, exit, other',
};

export function eventCategory(e: ProbeEvent): MarkerCategory {
  // An unscheduled drop is a fault; a scheduled one (rotation, 24 h limit) is routine.
  if (e.kind === 'disconnect' && e.data?.scheduled === false) return 'fault';
  return CATEGORY[e.kind] ?? (/fault|error|fail|drop/i.test(e.kind) ? 'fault' : 'life');
}

function describe(data: Record<string, unknown> | undefined, max = 140): string {
  if (!data) return '';
  const text = Object.entries(data)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function marker(e: ProbeEvent, startT: number): ChartMarker {
  const detail = describe(e.data);
  return { t: e.t, category: eventCategory(e), title: `${elapsed(e.t - startT)} ${e.kind} (${e.probe})${detail ? `: ${detail}` : ''}` };
}

function gapMs(data: RunData, s: ProbeSeries): number {
  let interval = data.sampleIntervalMs;
  if (!interval && s.t.length > 2) {
    const d = s.t.slice(1, 200).map((t, i) => t - s.t[i]!).sort((a, b) => a - b);
    interval = d[d.length >> 1];
  }
  return Math.max(5 * (interval ?? 1000), 3000);
}

const scaled = (values: number[], by: number) => values.map((v) => v / by);

function heapChart(data: RunData, s: ProbeSeries, fig: ProbeFigures, maxPoints: number): string {
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

function ci(fig: ProbeFigures): string {
  if (fig.floorSlopeLowMbPerH === undefined || fig.floorSlopeHighMbPerH === undefined) return '';
  return ` <span class="muted">[${esc(fmt(fig.floorSlopeLowMbPerH))} … ${esc(fmt(fig.floorSlopeHighMbPerH))}]</span>`;
}

function leakText(fig: ProbeFigures): string {
  return `leak check (verdict): ${leakSummary(fig.leak!)}`;
}

/** One line for a verdict leak report: slope, interval, p-value, projection, status. */
function leakSummary(l: LeakEstimate): string {
  const parts: string[] = [];
  if (l.slopeMbPerH !== undefined) parts.push(`<b>${esc(signed(l.slopeMbPerH))} MB/h</b>`);
  if (l.lowMbPerH !== undefined && l.highMbPerH !== undefined) parts.push(`[${esc(fmt(l.lowMbPerH))} … ${esc(fmt(l.highMbPerH))}]`);
  if (l.pValue !== undefined) parts.push(`p=${esc(fmt(l.pValue, 2))}`);
  if (l.projectedMb !== undefined && l.budgetMb !== undefined) parts.push(`projected ${esc(fmt(l.projectedMb))} MB of ${esc(fmt(l.budgetMb))} MB budget`);
  if (l.status) parts.push(`<b class="${l.status === 'confirmed' ? 'fail' : ''}">${esc(l.status)}</b>`);
  if (l.reason) parts.push(`— ${esc(l.reason)}`);
  return parts.join(' ');
}

function processCharts(data: RunData, summary: RunSummary, maxPoints: number): string {
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

function messageChart(data: RunData, maxPoints: number): string {
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

function passBadge(pass: boolean): string {
  return `<span class="badge ${pass ? 'ok' : 'bad'}">${pass ? 'PASS' : 'FAIL'}</span>`;
}

function card(fig: ProbeFigures): string {
  const rows: [string, string][] = [];
  const add = (label: string, value: string | undefined) => value !== undefined && rows.push([label, value]);
  add('kind', fig.kind);
  add('status', fig.status);
  add('samples', fmt(fig.samples));
  if (fig.floorSlopeMbPerH !== undefined) add('floor slope', `${signed(fig.floorSlopeMbPerH)} MB/h`);
  if (fig.floorSlopeLowMbPerH !== undefined && fig.floorSlopeHighMbPerH !== undefined) add('95 % interval', `${fmt(fig.floorSlopeLowMbPerH)} … ${fmt(fig.floorSlopeHighMbPerH)} MB/h`);
  if (fig.leak?.pValue !== undefined) add('leak p-value', fmt(fig.leak.pValue, 2));
  if (fig.leak?.projectedMb !== undefined) add('leak projected', `${fmt(fig.leak.projectedMb)} MB${fig.leak.budgetMb !== undefined ? ` (budget ${fmt(fig.leak.budgetMb)} MB)` : ''}`);
  if (fig.leak?.status) add('leak status', fig.leak.status);
  if (fig.floorGrowthMb !== undefined) add('floor growth', `${signed(fig.floorGrowthMb)} MB (${fmt(fig.floorFirstMb)} → ${fmt(fig.floorLastMb)})`);
  if (fig.heapUsedMaxMb !== undefined) add('heap used max', `${fmt(fig.heapUsedMaxMb)} MB`);
  if (fig.msgRateAvg !== undefined) add('msg rate avg', `${fmt(fig.msgRateAvg)}/s`);
  if (fig.messages !== undefined) add('messages', fmt(fig.messages));
  if (fig.reconnects !== undefined) add('reconnects', fmt(fig.reconnects));
  if (fig.dropsUnscheduled !== undefined || fig.dropsScheduled !== undefined) add('drops', `${fmt(fig.dropsUnscheduled ?? 0)} unscheduled · ${fmt(fig.dropsScheduled ?? 0)} scheduled`);
  if (fig.errors !== undefined) add('errors', fmt(fig.errors));
  for (const [action, n] of Object.entries(fig.orders)) add(`orders ${action}`, fmt(n));
  for (const [name, v] of Object.entries(fig.latency)) add(`${name} (avg)`, fmt(v));
  if (fig.unresponsive) add('unresponsive samples', String(fig.unresponsive));
  const state = fig.pass === undefined ? 'neutral' : fig.pass ? 'ok' : 'bad';
  const badge = fig.pass === undefined ? '' : passBadge(fig.pass);
  return `<article class="card ${state}"><h3>${esc(fig.name)} ${badge}</h3>${fig.error ? `<p class="err">${esc(fig.error)}</p>` : ''}<dl>${rows
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
    .join('')}</dl></article>`;
}

function processCard(summary: RunSummary, verdict: Verdict | undefined): string {
  const p = summary.process;
  const rows: [string, string][] = [];
  if (p.maxRssMb !== undefined) rows.push(['RSS max', `${fmt(p.maxRssMb)} MB`]);
  if (p.avgCpu !== undefined) rows.push(['CPU avg / max', `${fmt(p.avgCpu)} / ${fmt(p.maxCpu)} %`]);
  if (p.heapUsedMaxMb !== undefined) rows.push(['supervisor heap max', `${fmt(p.heapUsedMaxMb)} MB`]);
  if (p.rssLeak?.slopeMbPerH !== undefined) rows.push(['RSS trend', `${signed(p.rssLeak.slopeMbPerH)} MB/h`]);
  if (p.rssLeak?.status) rows.push(['RSS leak status', p.rssLeak.status]);
  if (p.nativeSlopeMbPerH !== undefined) rows.push(['native (non-heap) trend', `${signed(p.nativeSlopeMbPerH)} MB/h`]);
  const pass = verdict?.process.pass;
  const badge = pass === undefined ? '' : passBadge(pass);
  return `<article class="card ${pass === undefined ? 'neutral' : pass ? 'ok' : 'bad'}"><h3>process ${badge}</h3><dl>${rows
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
    .join('')}</dl></article>`;
}

function verdictTable(verdict: Verdict | undefined, figs: ProbeFigures[]): string {
  if (!verdict) return '<p class="notes">No verdict.json: the run did not finish (killed?). The charts show what was recorded.</p>';
  const rows: string[] = [];
  const row = (scope: string, expr: string, value: string, pass: boolean | undefined) =>
    rows.push(`<tr><td>${esc(scope)}</td><td><code>${esc(expr)}</code></td><td class="v">${esc(value)}</td><td class="r ${pass === undefined ? 'muted' : pass ? 'pass' : 'fail'}">${pass === undefined ? 'info' : pass ? 'pass' : 'FAIL'}</td></tr>`);
  for (const [name, p] of Object.entries(verdict.probes)) {
    for (const c of p.criteria) row(name, c.expr, String(c.value ?? c.note ?? '—'), c.pass);
    const fig = figs.find((f) => f.name === name);
    if (fig?.leak) row(name, 'heap floor leak check (Theil–Sen)', leakPlain(fig.leak), undefined);
    if (p.criteria.length === 0 && !fig?.leak) row(name, '(no criteria)', p.status, p.pass);
  }
  for (const c of verdict.process.criteria) row('process', c.expr, String(c.value ?? c.note ?? '—'), c.pass);
  const rss = leakOf(verdict.process.leak?.rss);
  if (rss) row('process', 'RSS leak check (Theil–Sen)', leakPlain(rss), undefined);
  return `<div class="tw"><table><thead><tr><th>scope</th><th>criterion</th><th class="v">value</th><th class="r">result</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function leakPlain(l: LeakEstimate): string {
  const parts: string[] = [];
  if (l.slopeMbPerH !== undefined) parts.push(`${signed(l.slopeMbPerH)} MB/h`);
  if (l.lowMbPerH !== undefined && l.highMbPerH !== undefined) parts.push(`[${fmt(l.lowMbPerH)} … ${fmt(l.highMbPerH)}]`);
  if (l.pValue !== undefined) parts.push(`p=${fmt(l.pValue, 2)}`);
  if (l.status) parts.push(l.status);
  if (l.reason) parts.push(`— ${l.reason}`);
  return parts.join(' ') || '—';
}

interface DiffRow {
  name: string;
  countDelta: number;
  sizeDelta: number;
  countAfter?: number;
  sizeAfter?: number;
}

function snapshotDiffs(verdict: Verdict | undefined): string {
  const parts: string[] = [];
  for (const [name, p] of Object.entries(verdict?.probes ?? {})) {
    const raw = (p as unknown as Record<string, unknown>).snapshotDiff;
    const culprits = ((p.leak as { culprits?: unknown } | undefined)?.culprits ?? []) as { text?: unknown; path?: unknown }[];
    const named = Array.isArray(culprits) ? culprits.filter((c) => c && typeof c.text === 'string') : [];
    if (named.length > 0) {
      parts.push(`<h3>${esc(name)} <span class="muted">what holds the growth (retainer paths)</span></h3><ol>${named
        .map((c) => `<li><code>${esc(String(c.text))}</code>${typeof c.path === 'string' ? `<br><span class="muted">${esc(c.path)}</span>` : ''}</li>`)
        .join('')}</ol>`);
    }
    if (!Array.isArray(raw)) continue;
    const rows = raw.filter(
      (r): r is DiffRow => !!r && typeof r === 'object' && typeof (r as DiffRow).name === 'string' && typeof (r as DiffRow).sizeDelta === 'number',
    );
    const top = [...rows].sort((a, b) => Math.abs(b.sizeDelta) - Math.abs(a.sizeDelta)).slice(0, 30);
    const total = rows.reduce((a, r) => a + r.sizeDelta, 0);
    const after = rows.some((r) => typeof r.sizeAfter === 'number');
    parts.push(`<h3>${esc(name)} <span class="muted">${rows.length} constructor(s), net ${esc(bytes(total))}</span></h3>
<div class="tw"><table><thead><tr><th>constructor</th><th class="n">count Δ</th><th class="n">size Δ</th>${after ? '<th class="n">count after</th><th class="n">size after</th>' : ''}</tr></thead><tbody>${top
      .map(
        (r) =>
          `<tr><td><code>${esc(r.name)}</code></td><td class="n">${esc(signed(typeof r.countDelta === 'number' ? r.countDelta : Number.NaN))}</td><td class="n">${esc((r.sizeDelta > 0 ? '+' : '') + bytes(r.sizeDelta))}</td>${
            after ? `<td class="n">${esc(fmt(r.countAfter))}</td><td class="n">${esc(bytes(r.sizeAfter))}</td>` : ''
          }</tr>`,
      )
      .join('')}</tbody></table></div>${rows.length > top.length ? `<p class="muted">${rows.length - top.length} smaller change(s) not shown.</p>` : ''}`);
  }
  const intro = '<p class="muted">What grew between the first and the last heap snapshot of a probe (self sizes; load the files from <code>snapshots/</code> in Chrome DevTools or memlab for retainers).</p>';
  return parts.length ? `<section><h2>Heap snapshot diffs</h2>${intro}${parts.join('')}</section>` : '';
}

const ROUTINE = new Set(['start', 'exit', 'connect', 'responsive']);
const MAX_EVENT_ROWS = 300;

function eventsSection(data: RunData): string {
  if (data.events.length === 0) return '<section><h2>Events</h2><p class="muted">No events recorded.</p></section>';
  const kinds = new Map<string, number>();
  const byProbe = new Map<string, Map<string, number>>();
  for (const e of data.events) {
    kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
    let m = byProbe.get(e.probe);
    if (!m) byProbe.set(e.probe, (m = new Map()));
    m.set(e.kind, (m.get(e.kind) ?? 0) + 1);
  }
  const cols = [...kinds].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  const pivot = `<div class="tw"><table><thead><tr><th>probe</th>${cols.map((k) => `<th class="n">${esc(k)}</th>`).join('')}</tr></thead><tbody>${[...byProbe]
    .map(([probe, m]) => `<tr><td>${esc(probe)}</td>${cols.map((k) => `<td class="n">${m.get(k) ?? ''}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`;
  const notable = data.events.filter((e) => !ROUTINE.has(e.kind));
  const shown = notable.length > MAX_EVENT_ROWS ? [...notable.slice(0, MAX_EVENT_ROWS / 2), ...notable.slice(-MAX_EVENT_ROWS / 2)] : notable;
  const list = notable.length
    ? `<details${notable.length <= 20 ? ' open' : ''}><summary>${notable.length} notable event(s)${notable.length > shown.length ? ` (first and last ${MAX_EVENT_ROWS / 2} shown)` : ''}</summary><div class="tw"><table><thead><tr><th>at</th><th>probe</th><th>event</th><th>detail</th></tr></thead><tbody>${shown
        .map((e) => `<tr><td class="n">${esc(elapsed(e.t - data.startT))}</td><td>${esc(e.probe)}</td><td><span class="mk ${eventCategory(e)}"></span>${esc(e.kind)}</td><td><code>${esc(describe(e.data, 300))}</code></td></tr>`)
        .join('')}</tbody></table></div></details>`
    : '';
  return `<section><h2>Events</h2>${pivot}${list}</section>`;
}

function metadata(data: RunData): string {
  const run = data.run ?? {};
  const resolved = (run.resolved ?? {}) as Record<string, unknown>;
  const versions = (run.versions ?? {}) as Record<string, unknown>;
  const host = (run.host ?? {}) as Record<string, unknown>;
  const end = (run.end ?? {}) as Record<string, unknown>;
  const ms = (v: unknown) => (typeof v === 'number' ? elapsed(v) : undefined);
  const rows: [string, unknown][] = [
    ['scenario', run.scenario ?? data.verdict?.scenario],
    ['files', Array.isArray(run.files) ? run.files.join(', ') : undefined],
    ['started', run.startedAt],
    ['ended', run.endedAt ?? '(not recorded: the run did not finish)'],
    ['end', end.reason ? `${end.reason}${end.detail ? ` (${end.detail})` : ''}` : undefined],
    ['duration', `${elapsed(data.endT - data.startT)}${resolved.nominalDuration ? ` (nominal ${ms(resolved.nominalDuration)})` : ''}`],
    ['target', resolved.target],
    ['seed', resolved.seed],
    ['sample interval', ms(resolved.sampleInterval)],
    ['GC floor interval', ms(resolved.gcFloorInterval)],
    ['injected leaks', Object.keys((run.injectLeaks ?? {}) as object).length ? Object.entries(run.injectLeaks as Record<string, number>).map(([p, r]) => `${p}: ${bytes(r)}/s`).join(', ') : undefined],
    ['versions', Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(' · ') || undefined],
    ['host', [host.hostname, host.platform && `${host.platform}/${host.arch}`, host.cpus && `${host.cpus} CPU${host.cpuModel ? ` (${host.cpuModel})` : ''}`, typeof host.totalMemory === 'number' ? `${bytes(host.totalMemory)} RAM` : undefined].filter(Boolean).join(' · ') || undefined],
  ];
  const dl = rows
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
    .join('');
  const dump = run.resolved ? `<details><summary>resolved scenario</summary><pre>${esc(JSON.stringify(redact(run.resolved), null, 2))}</pre></details>` : '';
  return `<section><h2>Run</h2><dl class="meta">${dl}</dl>${dump}</section>`;
}

export function renderRunData(data: RunData, opts: ReportOptions = {}): string {
  const maxPoints = opts.maxPoints ?? 1000;
  const verdict = data.verdict;
  const summary = summarizeRun(data);
  const scenario = String(verdict?.scenario ?? data.run?.scenario ?? path.basename(data.dir));
  const badge = !verdict
    ? '<span class="badge partial">NO VERDICT</span>'
    : `${passBadge(verdict.pass)}${verdict.partial ? ' <span class="badge partial">PARTIAL</span>' : ''}`;
  const sub = [
    verdict ? `${verdict.reason}` : 'no verdict',
    elapsed(verdict?.durationMs ?? data.endT - data.startT),
    data.run?.startedAt ? `started ${String(data.run.startedAt).replace('T', ' ').replace(/\.\d+Z$/, 'Z')}` : undefined,
    `${summary.probes.length} probe(s)`,
  ].filter(Boolean);
  const heapCharts = [...data.probes.values()].map((s) => heapChart(data, s, summary.probes.find((f) => f.name === s.name)!, maxPoints)).join('');
  const legend = `<div class="markers">${(Object.keys(CATEGORY_LABEL) as MarkerCategory[])
    .map((c) => `<span><i class="mk ${c}"></i>${esc(CATEGORY_LABEL[c])}</span>`)
    .join('')}</div>`;
  const notes = data.notes.length ? `<p class="notes">${data.notes.map(esc).join('<br>')}</p>` : '';
  const version = (data.run?.versions as Record<string, unknown> | undefined)?.exsoak;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>exsoak — ${esc(scenario)}: ${verdict ? (verdict.pass ? 'PASS' : 'FAIL') : 'no verdict'}</title>
<style>${REPORT_CSS}</style></head><body><main>
<h1>${esc(scenario)} ${badge}</h1>
<p class="sub">${sub.map(esc).join(' · ')}</p>
${notes}
<section><h2>Summary</h2><div class="cards">${summary.probes.map(card).join('')}${processCard(summary, verdict)}</div></section>
<section><h2>Verdict</h2>${verdictTable(verdict, summary.probes)}</section>
${memorySection(data)}
<section><h2>Memory per worker</h2>
<p class="muted">Heap used is the sawtooth; the floor is the heap right after a full GC, where a leak shows. Time is since the run started; pins mark events (hover for details).</p>
${legend}<div class="charts">${heapCharts || '<p class="nodata">No probe samples.</p>'}</div></section>
<section><h2>Process</h2><div class="charts">${processCharts(data, summary, maxPoints)}${messageChart(data, maxPoints)}</div></section>
${snapshotDiffs(verdict)}
${eventsSection(data)}
${metadata(data)}
<footer>exsoak${version ? ` ${esc(version)}` : ''} · report generated ${esc((opts.now ?? new Date()).toISOString())}</footer>
</main></body></html>
`;
}
