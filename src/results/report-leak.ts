// A verdict's leak estimate as report.html writes it: as HTML for chart notes, as plain text for
// the verdict table, and the floor slope's interval.
import { escapeHtml as esc, fmt, signed } from './format.ts';
import type { LeakEstimate, ProbeFigures } from './run-summary.ts';

export function ci(fig: ProbeFigures): string {
  if (fig.floorSlopeLowMbPerH === undefined || fig.floorSlopeHighMbPerH === undefined) return '';
  return ` <span class="muted">[${esc(fmt(fig.floorSlopeLowMbPerH))} … ${esc(fmt(fig.floorSlopeHighMbPerH))}]</span>`;
}

export function leakText(fig: ProbeFigures): string {
  return `leak check (verdict): ${leakSummary(fig.leak!)}`;
}

/** One line for a verdict leak report: slope, interval, p-value, projection, status. */
export function leakSummary(l: LeakEstimate): string {
  const parts: string[] = [];
  if (l.slopeMbPerH !== undefined) parts.push(`<b>${esc(signed(l.slopeMbPerH))} MB/h</b>`);
  if (l.lowMbPerH !== undefined && l.highMbPerH !== undefined) parts.push(`[${esc(fmt(l.lowMbPerH))} … ${esc(fmt(l.highMbPerH))}]`);
  if (l.pValue !== undefined) parts.push(`p=${esc(fmt(l.pValue, 2))}`);
  if (l.projectedMb !== undefined && l.budgetMb !== undefined) parts.push(`projected ${esc(fmt(l.projectedMb))} MB of ${esc(fmt(l.budgetMb))} MB budget`);
  if (l.status) parts.push(`<b class="${l.status === 'confirmed' ? 'fail' : ''}">${esc(l.status)}</b>`);
  if (l.reason) parts.push(`— ${esc(l.reason)}`);
  return parts.join(' ');
}

export function leakPlain(l: LeakEstimate): string {
  const parts: string[] = [];
  if (l.slopeMbPerH !== undefined) parts.push(`${signed(l.slopeMbPerH)} MB/h`);
  if (l.lowMbPerH !== undefined && l.highMbPerH !== undefined) parts.push(`[${fmt(l.lowMbPerH)} … ${fmt(l.highMbPerH)}]`);
  if (l.pValue !== undefined) parts.push(`p=${fmt(l.pValue, 2)}`);
  if (l.status) parts.push(l.status);
  if (l.reason) parts.push(`— ${l.reason}`);
  return parts.join(' ') || '—';
}
