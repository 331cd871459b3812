// report.html: one self-contained page (inline CSS and SVG, no script, no network) that reads
// well on a phone: the verdict, per-probe figures, memory and message-rate charts over time with
// the run's events pinned on them, snapshot diffs, and the run's metadata. Each section has its
// renderer in a report-*.ts module; this file puts the page together.
import path from 'node:path';
import { writeTextAtomic } from './files.ts';
import { elapsed, escapeHtml as esc } from './format.ts';
import { memorySection } from './memory-section.ts';
import { passBadge, card, processCard } from './report-cards.ts';
import { heapChart, messageChart, processCharts } from './report-charts.ts';
import { eventsSection } from './report-events.ts';
import { markerLegend } from './report-markers.ts';
import { metadata } from './report-metadata.ts';
import { snapshotDiffs } from './report-snapshots.ts';
import { REPORT_CSS } from './report-style.ts';
import { verdictTable } from './report-verdict.ts';
import type { RunData } from './run-data.ts';
import { summarizeRun } from './run-summary.ts';

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
  const legend = markerLegend();
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
