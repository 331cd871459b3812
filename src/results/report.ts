// report.html: self-contained. A first version: the verdict table and run metadata.
import type { Verdict } from '../verdict/engine.ts';

const escape = (text: unknown) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderReport(verdict: Verdict, run: Record<string, unknown>): string {
  const rows = [
    ...Object.entries(verdict.probes).flatMap(([probe, p]) =>
      p.criteria.map((c) => ({ scope: probe, ...c })),
    ),
    ...verdict.process.criteria.map((c) => ({ scope: 'process', ...c })),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>exsoak — ${escape(verdict.scenario)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:1rem auto;max-width:60rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left}
.pass{color:#176f2c}.fail{color:#b3261e;font-weight:600}code{font-size:90%}
</style></head><body>
<h1>${escape(verdict.scenario)}: <span class="${verdict.pass ? 'pass' : 'fail'}">${verdict.pass ? 'PASS' : 'FAIL'}</span></h1>
<p>${escape(verdict.reason)}${verdict.partial ? ' (partial)' : ''} · ${(verdict.durationMs / 1000).toFixed(0)} s · started ${escape(run.startedAt)}</p>
<table><thead><tr><th>scope</th><th>criterion</th><th>value</th><th>result</th></tr></thead><tbody>
${rows
  .map(
    (r) =>
      `<tr><td>${escape(r.scope)}</td><td><code>${escape(r.expr)}</code></td><td>${escape(r.value ?? r.note ?? '—')}</td><td class="${r.pass ? 'pass' : 'fail'}">${r.pass ? 'pass' : 'FAIL'}</td></tr>`,
  )
  .join('\n')}
</tbody></table>
</body></html>
`;
}
