// report.html's events section: counts per probe and kind, and the notable events listed (the
// first and last ones when there are many).
import { elapsed, escapeHtml as esc } from './format.ts';
import { describeData, eventCategory } from './report-markers.ts';
import type { RunData } from './run-data.ts';

const ROUTINE = new Set(['start', 'exit', 'connect', 'responsive']);
const MAX_EVENT_ROWS = 300;

export function eventsSection(data: RunData): string {
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
        .map((e) => `<tr><td class="n">${esc(elapsed(e.t - data.startT))}</td><td>${esc(e.probe)}</td><td><span class="mk ${eventCategory(e)}"></span>${esc(e.kind)}</td><td><code>${esc(describeData(e.data, 300))}</code></td></tr>`)
        .join('')}</tbody></table></div></details>`
    : '';
  return `<section><h2>Events</h2>${pivot}${list}</section>`;
}
