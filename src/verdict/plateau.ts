// Growth that stopped: is the end of the floor series a plateau, flat with confidence, long
// enough to be told from the pause between two steps of a leak that grows in steps?
// (docs/leak-detection.md, "Bounded growth"). Pure arithmetic on the detector's points.
import { theilSen } from '../stats/trend.ts';
import { MIN_POINTS } from '../shared/leak-timing.ts';

const HOUR = 3_600_000;

/** A plateau must outlast this many times the longest flat stretch seen while the floor rose. */
export const STEP_FACTOR = 3;

export interface Point {
  t: number;
  /** MB. */
  y: number;
}

export interface PlateauSearch {
  /** The longest flat suffix found (its high slope bound under the pace), if any. */
  startIndex?: number;
  /** When it began (the time of its first point). */
  startT?: number;
  /** Theil–Sen slope of that suffix and its upper bound, MB/h. */
  slope?: number;
  high?: number;
  /** Its median level, MB. */
  levelMb?: number;
  /** Length of the flat suffix, ms (0 without one). */
  lengthMs: number;
  /** Longest flat stretch before the plateau (the whole series without one), ms: a step's pause. */
  longestFlatMs: number;
  /** How long a plateau must be to count: STEP_FACTOR × longestFlatMs, at least half the rise. */
  neededMs: number;
  /** Rise before the plateau (level − the first points' median), MB, and over how long, ms. */
  riseMb: number;
  riseMs: number;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function trendOf(points: Point[], confidence: number) {
  const t0 = points[0]!.t;
  return theilSen(points.map((p) => (p.t - t0) / HOUR), points.map((p) => p.y), confidence);
}

/**
 * The floor's noise, MB: 1.4826 × MAD of successive differences ÷ √2. Differences ignore a slope
 * and a step is one outlier among them, so the figure holds for a rise, a plateau and steps alike.
 * Floored at 1 KB: identical floors (an idle heap) must not make every wobble a step.
 */
function noiseMb(points: Point[]): number {
  if (points.length < 3) return 1 / 1024;
  const d = points.slice(1).map((p, i) => p.y - points[i]!.y);
  const m = median(d);
  return Math.max(1 / 1024, (1.4826 * median(d.map((v) => Math.abs(v - m)))) / Math.SQRT2);
}

/**
 * The spread of the floor over short windows (1.4826 × MAD inside each run of 8 points; the median
 * over the windows), MB: a step is in only a few windows, a repeating wobble is in all of them.
 */
function spreadMb(points: Point[]): number {
  const w = Math.min(8, points.length);
  if (w < 3) return 0;
  const spreads: number[] = [];
  for (let i = 0; i + w <= points.length; i++) {
    const ys = points.slice(i, i + w).map((p) => p.y);
    const m = median(ys);
    spreads.push(1.4826 * median(ys.map((y) => Math.abs(y - m))));
  }
  return median(spreads);
}

/** The longest run of consecutive points whose range stays within `band` MB, ms (two pointers). */
function longestFlat(points: Point[], band: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < points.length; i++) {
    if (j < i) j = i;
    let lo = points[i]!.y;
    let hi = lo;
    for (let k = i; k <= j; k++) {
      lo = Math.min(lo, points[k]!.y);
      hi = Math.max(hi, points[k]!.y);
    }
    while (j + 1 < points.length && Math.max(hi, points[j + 1]!.y) - Math.min(lo, points[j + 1]!.y) <= band) {
      j++;
      lo = Math.min(lo, points[j]!.y);
      hi = Math.max(hi, points[j]!.y);
    }
    best = Math.max(best, points[j]!.t - points[i]!.t);
    if (j === points.length - 1) break;
  }
  return best;
}

/**
 * The plateau at the end of `points`, and what it would take to call it one. Its level is the
 * median of the last quarter of the points; it starts after the last point more than 4σ of noise
 * away from that level (a change point: Theil–Sen alone would call a suffix flat while a quarter
 * of it is still the rise, being robust to exactly that); it is flat when its slope's upper bound
 * is within the budget's pace.
 */
export function searchPlateau(points: Point[], paceMbPerH: number, confidence: number, origin?: Point): PlateauSearch {
  const n = points.length;
  // Where the rise started: the first floors as they came (the kept points' oldest are merged).
  const t0 = origin?.t ?? points[0]?.t ?? 0;
  const span = n > 1 ? points[n - 1]!.t - t0 : 0;
  const head = origin?.y ?? median(points.slice(0, Math.min(3, n)).map((p) => p.y));
  const tail = points.slice(-Math.max(MIN_POINTS, Math.ceil(n / 4)));
  const level = tail.length ? median(tail.map((p) => p.y)) : 0;
  // The noise of the last quarter: over the whole series the rise's own differences would pass
  // for noise (a 6 MB fill read as a 0.5 MB band). Differences miss a noise that repeats (a
  // sawtooth of GC timing: every difference alike); the spread over short windows catches it.
  const band = 4 * Math.max(noiseMb(tail), spreadMb(tail));
  let start = n;
  while (start > 0 && Math.abs(points[start - 1]!.y - level) <= band) start--;
  // Flat stretches before it join the plateau while the floor's growth from them to the end,
  // averaged over that time, stays within the budget's pace: a healthy heap's one late step (a
  // table rehashed, a buffer grown once: 0.01–0.4 MB after minutes flat in the trust corpus) must
  // not restart the plateau; a leak in steps averages more than the pace over its steps, and the
  // 3× rule below still asks the joined plateau to outlast its pauses. A rise is no such stretch:
  // its points are not flat for MIN_POINTS in a row.
  const end = n > 0 ? points[n - 1]!.t : 0;
  const endLevel = median(points.slice(-Math.min(n, MIN_POINTS)).map((p) => p.y));
  // Points in between that belong to neither stretch: the samples taken while the floor moved to
  // the next level, or a transient bump that came back (three floors +0.26 MB for 15 s on a Python
  // client's flat plateau restarted it, and the client failed). Up to 5 % of the points: whether
  // the stretches join is still decided by their levels alone.
  const maxSkip = Math.max(2, Math.ceil(n / 20));
  let joined = false;
  while (start > 0) {
    let to = start;
    let first = to - 1;
    for (let skip = 0; skip <= maxSkip && to - skip > 0; skip++) {
      first = to - skip - 1;
      while (first > 0 && Math.abs(points[first - 1]!.y - points[to - skip - 1]!.y) <= band) first--;
      if (to - skip - first >= MIN_POINTS) break;
    }
    const stretch = points.slice(first, start);
    if (stretch.length < MIN_POINTS) break;
    const growth = endLevel - median(stretch.map((p) => p.y));
    if (Math.abs(growth) > Math.max(band, (paceMbPerH * (end - points[first]!.t)) / HOUR)) break;
    start = first;
    joined = true;
  }
  const trend = n - start >= MIN_POINTS ? trendOf(points.slice(start), confidence) : undefined;
  // A joined plateau holds a late step, which widens the slope's interval: its growth averaged
  // over its length (the joining rule) and its slope within the pace make it flat.
  const flat = trend !== undefined && (trend.high <= paceMbPerH || (joined && trend.slope <= paceMbPerH));
  // A flat stretch: the floor stays within the same ±2σ band. A step-wise leak's pauses are such
  // stretches; a cache that fills smoothly has none longer than the noise lets it.
  // Before the level the series ends at: that last stretch is the candidate, not a previous pause.
  const longestFlatMs = longestFlat(points.slice(0, Math.min(n, start + 1)), band);
  if (!flat || start === 0) {
    const lengthMs = flat ? span : 0;
    return { lengthMs, longestFlatMs, neededMs: Math.max(STEP_FACTOR * longestFlatMs, span / 2), riseMb: level - head, riseMs: span };
  }
  const startT = points[start]!.t;
  const riseMs = startT - t0;
  return {
    startIndex: start,
    startT,
    slope: trend.slope,
    high: trend.high,
    levelMb: level,
    lengthMs: points[n - 1]!.t - startT,
    longestFlatMs,
    neededMs: Math.max(STEP_FACTOR * longestFlatMs, riseMs / 2),
    riseMb: level - head,
    riseMs,
  };
}
