// report.html's heap snapshot section: per probe, what holds the growth (retainer paths) and
// which constructors grew between the first and the last snapshot.
import type { Verdict } from '../bus/verdict.ts';
import { bytes, escapeHtml as esc, fmt, signed } from './format.ts';

interface DiffRow {
  name: string;
  countDelta: number;
  sizeDelta: number;
  countAfter?: number;
  sizeAfter?: number;
}

export function snapshotDiffs(verdict: Verdict | undefined): string {
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
