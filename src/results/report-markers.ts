// The event pins on report.html's charts: each event's category (its colour), its hover text, and
// the legend. The events table uses the same categories.
import type { ProbeEvent } from '../bus/types.ts';
import { elapsed, escapeHtml as esc } from './format.ts';
import type { ChartMarker, MarkerCategory } from './svg-chart.ts';

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

export function describeData(data: Record<string, unknown> | undefined, max = 140): string {
  if (!data) return '';
  const text = Object.entries(data)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function marker(e: ProbeEvent, startT: number): ChartMarker {
  const detail = describeData(e.data);
  return { t: e.t, category: eventCategory(e), title: `${elapsed(e.t - startT)} ${e.kind} (${e.probe})${detail ? `: ${detail}` : ''}` };
}

/** The legend of the pins' colours. */
export function markerLegend(): string {
  return `<div class="markers">${(Object.keys(CATEGORY_LABEL) as MarkerCategory[])
    .map((c) => `<span><i class="mk ${c}"></i>${esc(CATEGORY_LABEL[c])}</span>`)
    .join('')}</div>`;
}
