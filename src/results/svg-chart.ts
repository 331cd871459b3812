// Time-series charts as inline SVG, rendered server-side so report.html needs no script and no
// network. The plot is an SVG stretched to its box (preserveAspectRatio="none", strokes that do
// not scale) while the axis labels and event pins are HTML: text stays readable at any width.
import { downsample, pointCount, type Segment } from './downsample.ts';
import { elapsed, escapeHtml, fmt } from './format.ts';

export type MarkerCategory = 'conn' | 'fault' | 'state' | 'crash' | 'breach' | 'snapshot' | 'life';

export interface ChartMarker {
  t: number;
  category: MarkerCategory;
  title: string;
}

export interface ChartLine {
  label: string;
  /** CSS class giving the colour (see report-style.ts). */
  cls: string;
  segments: Segment[];
  /** `dots` draws each point; `trend` a dashed fitted line (not part of the y range). */
  style: 'line' | 'dots' | 'trend';
}

export interface ChartSpec {
  id: string;
  title: string;
  note?: string;
  t0: number;
  t1: number;
  /** Tick label formatter, e.g. MB. */
  unit: string;
  lines: ChartLine[];
  markers?: ChartMarker[];
  /** Start the y axis at zero (rates), rather than around the data (memory). */
  zeroBased?: boolean;
  maxPoints?: number;
}

const W = 1000;
const H = 1000;
const MAX_PINS = 120;

const num = (v: number) => {
  const text = v.toFixed(1);
  return text.endsWith('.0') ? text.slice(0, -2) : text;
};

/** 1-2-5 ticks covering [min, max]. */
export function niceTicks(min: number, max: number, target = 5): { lo: number; hi: number; step: number; ticks: number[] } {
  // Crafted folders carry any number: an infinite or overflowing range has no nice ticks.
  if (!Number.isFinite(min) || !Number.isFinite(max) || !Number.isFinite(max - min)) return { lo: 0, hi: 1, step: 1, ticks: [0, 1] };
  if (!(max > min)) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.05 : 1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => (max - min) / s <= target) ?? 10 * mag;
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  // By index, not `v += step`: near 1e20 a step below the spacing of doubles never advances v.
  const count = Math.min(Math.round((hi - lo) / step), 4 * target + 4);
  for (let i = 0; i <= count; i++) ticks.push(Number((lo + i * step).toPrecision(12)));
  return { lo, hi, step, ticks };
}

/** Decimals a tick step needs: 0.25 → 2, 5 → 0. */
function decimals(step: number): number {
  for (let d = 0; d < 6; d++) if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-6) return d;
  return 6;
}

const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800].map((s) => s * 1000);

function timeTicks(span: number, target = 6): number[] {
  const step = TIME_STEPS.find((s) => span / s <= target) ?? Math.ceil(span / target / 86_400_000) * 86_400_000;
  const ticks: number[] = [];
  if (!Number.isFinite(span) || !(step > 0)) return [0];
  for (let i = 0; i * step <= span + 1 && i <= 4 * target + 4; i++) ticks.push(i * step);
  return ticks;
}

function pathOf(segs: Segment[], x: (t: number) => number, y: (v: number) => number, dots: boolean): string {
  let d = '';
  for (const seg of segs) {
    for (let i = 0; i < seg.t.length; i++) {
      const px = num(x(seg.t[i]!));
      const py = num(y(seg.y[i]!));
      // A zero-length subpath with a round cap is a dot that keeps its shape when stretched.
      d += dots ? `M${px} ${py}h0` : `${i === 0 ? 'M' : 'L'}${px} ${py}`;
    }
  }
  return d;
}

/** Merges markers of the same category that fall in the same slice of the time axis. */
function pins(markers: ChartMarker[], t0: number, span: number): { t: number; category: MarkerCategory; titles: string[]; count: number }[] {
  const width = span / MAX_PINS;
  const groups = new Map<string, { t: number; category: MarkerCategory; titles: string[]; count: number }>();
  for (const m of markers) {
    if (m.t < t0 || m.t > t0 + span) continue;
    const key = `${m.category}:${Math.floor((m.t - t0) / width)}`;
    const g = groups.get(key);
    if (!g) groups.set(key, { t: m.t, category: m.category, titles: [m.title], count: 1 });
    else {
      g.count++;
      if (g.titles.length < 6) g.titles.push(m.title);
    }
  }
  return [...groups.values()].sort((a, b) => a.t - b.t);
}

export function renderChart(spec: ChartSpec): string {
  const span = Math.max(1, spec.t1 - spec.t0);
  const maxPoints = spec.maxPoints ?? 1000;
  const lines = spec.lines.map((l) => ({ ...l, segments: downsample(l.segments, maxPoints) }));
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const l of lines) {
    if (l.style === 'trend') continue;
    for (const s of l.segments) for (const v of s.y) (v < min && (min = v), v > max && (max = v));
  }
  const total = lines.reduce((a, l) => a + (l.style === 'trend' ? 0 : pointCount(l.segments)), 0);
  const legend = spec.lines
    .map((l) => `<span class="key"><i class="sw ${l.style} ${escapeHtml(l.cls)}"></i>${escapeHtml(l.label)}</span>`)
    .join('');
  const head = `<figcaption><span class="ct">${escapeHtml(spec.title)} <span class="cu">${escapeHtml(spec.unit)}</span></span><span class="legend">${legend}</span>${spec.note ? `<span class="cn">${spec.note}</span>` : ''}</figcaption>`;
  if (total === 0) return `<figure class="chart empty" id="${escapeHtml(spec.id)}">${head}<p class="nodata">no data</p></figure>`;

  // A little air above and below, so a flat series does not sit on the frame.
  const zero = spec.zeroBased === true && min >= 0;
  if (zero) min = 0;
  const pad = (max - min) * 0.04;
  if (!zero) min -= pad;
  max += pad;
  const yt = niceTicks(min, max);
  const x = (t: number) => ((t - spec.t0) / span) * W;
  const y = (v: number) => H - ((v - yt.lo) / (yt.hi - yt.lo)) * H;
  const grid = yt.ticks.map((v) => `M0 ${num(y(v))}H${W}`).join('');
  const xt = timeTicks(span);
  const vgrid = xt.map((v) => `M${num(x(spec.t0 + v))} 0V${H}`).join('');
  const paths = lines
    .map((l) => {
      const d = pathOf(l.segments, x, y, l.style === 'dots');
      const n = pointCount(l.segments);
      return d ? `<path class="${l.style} ${escapeHtml(l.cls)}" data-points="${n}" d="${d}"><title>${escapeHtml(l.label)}</title></path>` : '';
    })
    .join('');
  const grouped = pins(spec.markers ?? [], spec.t0, span);
  const byCat = new Map<string, string>();
  for (const p of grouped) byCat.set(p.category, (byCat.get(p.category) ?? '') + `M${num(x(p.t))} 0V${H}`);
  const markerLines = [...byCat].map(([cat, d]) => `<path class="ml ${cat}" d="${d}"/>`).join('');
  const pinHtml = grouped
    .map((p) => {
      const more = p.count > p.titles.length ? `\n… and ${p.count - p.titles.length} more` : '';
      const title = `${p.count > 1 ? `${p.count} events\n` : ''}${p.titles.join('\n')}${more}`;
      return `<span class="pin ${p.category}" style="left:${((p.t - spec.t0) / span * 100).toFixed(2)}%" title="${escapeHtml(title)}">${p.count > 1 ? p.count : ''}</span>`;
    })
    .join('');
  const digits = decimals(yt.step);
  const ylabels = yt.ticks
    .map((v) => `<span style="top:${(((yt.hi - v) / (yt.hi - yt.lo)) * 100).toFixed(2)}%">${escapeHtml(digits > 0 ? v.toFixed(digits) : fmt(v))}</span>`)
    .join('');
  const xlabels = xt
    .map((v, i) => `<span class="${i % 2 ? 'odd' : ''}" style="left:${((v / span) * 100).toFixed(2)}%">${escapeHtml(elapsed(v))}</span>`)
    .join('');
  return `<figure class="chart" id="${escapeHtml(spec.id)}">${head}
<div class="plot"><div class="yl" aria-hidden="true">${ylabels}</div><div class="pa">
<svg viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="${escapeHtml(spec.title)}"><path class="grid" d="${grid}${vgrid}"/>${markerLines}${paths}</svg>
<div class="pins">${pinHtml}</div></div><div class="xl" aria-hidden="true">${xlabels}</div></div></figure>`;
}
