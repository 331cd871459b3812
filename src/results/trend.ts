// Trend lines through a heap-floor series. Theil–Sen (the median of pairwise slopes) is what the
// figures use: a warm-up step or one odd GC barely moves it, where least squares would tilt.
// Least squares stays for callers that want the classic fit.
import { MB } from '../shared/units.ts';
import { theilSen as senTrend } from '../stats/trend.ts';

export interface Trend {
  /** y units per x unit (bytes per ms for heap series). */
  slope: number;
  intercept: number;
  /** ~95 % confidence bounds of the slope (Sen's method), when there are enough points. */
  low?: number;
  high?: number;
  /** Points the fit used (after reduction for long series). */
  n: number;
}

export function leastSquares(xs: readonly number[], ys: readonly number[]): Trend | undefined {
  const n = xs.length;
  if (n < 2) return undefined;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  if (den === 0) return undefined;
  const slope = num / den;
  return { slope, intercept: my - slope * mx, n };
}

/**
 * Theil–Sen with Sen's confidence interval (the leak detector's own statistics). Pairwise slopes
 * are O(n²), so a long series is first reduced to `maxPoints` bucket medians (consecutive points,
 * in order): the trend of the medians is the trend of the series, and each median is steadier.
 */
export function theilSen(xs: readonly number[], ys: readonly number[], maxPoints = 400, confidence = 0.95): Trend | undefined {
  let x = xs;
  let y = ys;
  if (xs.length > maxPoints) ({ x, y } = bucketMedians(xs, ys, maxPoints));
  const fit = senTrend([...x], [...y], confidence);
  if (!fit) return undefined;
  const residuals = y.map((v, i) => v - fit.slope * x[i]!).sort((a, b) => a - b);
  return { slope: fit.slope, intercept: median(residuals), n: fit.n, low: fit.low, high: fit.high };
}

function bucketMedians(xs: readonly number[], ys: readonly number[], buckets: number) {
  const x: number[] = [];
  const y: number[] = [];
  const size = xs.length / buckets;
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * size);
    const to = Math.floor((b + 1) * size);
    if (to <= from) continue;
    x.push(median(xs.slice(from, to).sort((a, c) => a - c)));
    y.push(median(ys.slice(from, to).sort((a, c) => a - c)));
  }
  return { x, y };
}

/** Median of an already sorted array. */
function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** bytes per millisecond → MB per hour. */
export function mbPerHour(bytesPerMs: number): number {
  return (bytesPerMs * 3_600_000) / MB;
}
