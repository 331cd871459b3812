// report.html's verdict table: every criterion of every probe and of the process, with the
// leak checks beside them.
import type { Verdict } from '../bus/verdict.ts';
import { escapeHtml as esc } from './format.ts';
import { leakPlain } from './report-leak.ts';
import { leakOf, type ProbeFigures } from './run-summary.ts';

export function verdictTable(verdict: Verdict | undefined, figs: ProbeFigures[]): string {
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
