// report.html's summary cards: one per probe with its figures, one for the process, and the
// PASS/FAIL badge they and the page title share.
import type { Verdict } from '../bus/verdict.ts';
import { escapeHtml as esc, fmt, signed } from './format.ts';
import type { ProbeFigures, RunSummary } from './run-summary.ts';

export function passBadge(pass: boolean): string {
  return `<span class="badge ${pass ? 'ok' : 'bad'}">${pass ? 'PASS' : 'FAIL'}</span>`;
}

export function card(fig: ProbeFigures): string {
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

export function processCard(summary: RunSummary, verdict: Verdict | undefined): string {
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
