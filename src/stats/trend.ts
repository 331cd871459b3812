// Trend statistics shared by the leak detector and the report/compare figures
// (see docs/leak-detection.md):
// - Theil–Sen slope: the median of all pairwise slopes, robust to outliers (a late GC, a
//   burst) where least squares is not.
// - Mann–Kendall test for a monotonic trend, with the variance inflated for autocorrelation
//   (Hamed & Rao 1998): successive heap floors are not independent, and treating them as if they
//   were makes any wobble look significant.
// - Sen's confidence interval for the slope, from the same (corrected) variance.

export interface TrendResult {
  n: number;
  /** Theil–Sen slope, y-units per time-unit. */
  slope: number;
  /** Confidence interval of the slope at the requested level. */
  low: number;
  high: number;
  /** Mann–Kendall S statistic and its two-sided p-value (autocorrelation-corrected). */
  s: number;
  pValue: number;
  /** Variance inflation factor n/n* applied for autocorrelation (1 = none). */
  inflation: number;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 through erf; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Inverse of the standard normal CDF (Acklam's rational approximation). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]![1]] = rank;
    i = j + 1;
  }
  return out;
}

/** Hamed & Rao's n/n*: inflation of Var(S) from significant autocorrelations of the detrended ranks. */
function autocorrelationInflation(t: number[], y: number[], slope: number): number {
  const n = y.length;
  if (n < 8) return 1;
  const r = ranks(y.map((v, i) => v - slope * t[i]!));
  const mean = r.reduce((a, v) => a + v, 0) / n;
  const den = r.reduce((a, v) => a + (v - mean) ** 2, 0);
  if (den === 0) return 1;
  const bound = normalQuantile(0.975) / Math.sqrt(n);
  let sum = 0;
  for (let k = 1; k < n - 2; k++) {
    let num = 0;
    for (let i = 0; i < n - k; i++) num += (r[i]! - mean) * (r[i + k]! - mean);
    const rho = num / den;
    if (Math.abs(rho) <= bound) continue;
    sum += (n - k) * (n - k - 1) * (n - k - 2) * rho;
  }
  return Math.max(1, 1 + (2 / (n * (n - 1) * (n - 2))) * sum);
}

/**
 * The pairwise slopes are written into one reused buffer: the leak detector runs this on every
 * sample (up to 240 points: 28,680 slopes), and a fresh array each time was the supervisor's
 * whole garbage rate — ~0.5 MB a call, in large-object pages — which made V8 grow its young
 * generation to ~130 MB and the process RSS with it (issue #23 item 4a).
 */
let scratch = new Float64Array(0);
/** A buffer above this (a 4096-point series: 67 MB) is not kept between calls. */
const KEEP_SCRATCH_SLOPES = 1 << 17;

function slopeBuffer(pairs: number): Float64Array {
  if (pairs <= scratch.length) return scratch;
  const buffer = new Float64Array(pairs);
  if (pairs <= KEEP_SCRATCH_SLOPES) scratch = buffer;
  return buffer;
}

export function theilSen(t: number[], y: number[], confidence = 0.95): TrendResult | undefined {
  const n = t.length;
  if (n < 3) return undefined;
  const buffer = slopeBuffer((n * (n - 1)) / 2);
  let m = 0;
  let s = 0;
  for (let i = 0; i < n - 1; i++) {
    for (let j = i + 1; j < n; j++) {
      const dy = y[j]! - y[i]!;
      s += Math.sign(dy) * Math.sign(t[j]! - t[i]!);
      const dt = t[j]! - t[i]!;
      if (dt !== 0) buffer[m++] = dy / dt;
    }
  }
  if (m === 0) return undefined;
  // A typed array sorts numerically in place, without a comparator call per step.
  const slopes = buffer.subarray(0, m).sort();
  const slope = m % 2 ? slopes[(m - 1) / 2]! : (slopes[m / 2 - 1]! + slopes[m / 2]!) / 2;
  const inflation = autocorrelationInflation(t, y, slope);
  const varS = ((n * (n - 1) * (2 * n + 5)) / 18) * inflation;
  const sd = Math.sqrt(varS);
  // Continuity-corrected normal approximation of S.
  const z = s > 0 ? (s - 1) / sd : s < 0 ? (s + 1) / sd : 0;
  const pValue = Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
  const c = normalQuantile(1 - (1 - confidence) / 2) * sd;
  const lowIndex = Math.max(0, Math.floor((m - c) / 2) - 1);
  const highIndex = Math.min(m - 1, Math.ceil((m + c) / 2));
  return { n, slope, low: slopes[lowIndex]!, high: slopes[highIndex]!, s, pValue, inflation };
}
