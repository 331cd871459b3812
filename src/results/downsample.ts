// Server-side downsampling for the report's charts: a 24 h run sampled every second must still
// draw at once, so each series is cut into at most ~maxPoints points. Min/max buckets keep the
// peaks (a spike in one sample is what someone reads a memory chart for) where averaging or
// taking every n-th point would hide them.

/** A run of consecutive points with no gap: drawn as one connected line. */
export type Segment = { t: number[]; y: number[] };

/**
 * Splits a series at missing values (NaN: an unresponsive worker, a probe without data) and at
 * time gaps longer than `gapMs` (a dead probe), so a chart does not draw a line across them.
 */
export function segments(t: readonly number[], y: readonly number[], gapMs = Number.POSITIVE_INFINITY): Segment[] {
  const out: Segment[] = [];
  let current: Segment | undefined;
  let lastT = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < t.length; i++) {
    const v = y[i]!;
    if (!Number.isFinite(v)) {
      current = undefined;
      continue;
    }
    if (!current || t[i]! - lastT > gapMs) out.push((current = { t: [], y: [] }));
    current.t.push(t[i]!);
    current.y.push(v);
    lastT = t[i]!;
  }
  return out;
}

/** Min/max of consecutive buckets, in time order: at most ~maxPoints points in all. */
export function downsampleSegment(seg: Segment, maxPoints: number): Segment {
  const n = seg.t.length;
  if (n <= maxPoints) return seg;
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const size = n / buckets;
  const out: Segment = { t: [], y: [] };
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(n, Math.floor((b + 1) * size));
    if (to <= from) continue;
    let lo = from;
    let hi = from;
    for (let i = from + 1; i < to; i++) {
      if (seg.y[i]! < seg.y[lo]!) lo = i;
      if (seg.y[i]! > seg.y[hi]!) hi = i;
    }
    for (const i of lo === hi ? [lo] : lo < hi ? [lo, hi] : [hi, lo]) {
      out.t.push(seg.t[i]!);
      out.y.push(seg.y[i]!);
    }
  }
  return out;
}

/** Downsamples every segment, sharing the point budget in proportion to their lengths. */
export function downsample(segs: Segment[], maxPoints = 1000): Segment[] {
  const total = segs.reduce((a, s) => a + s.t.length, 0);
  if (total <= maxPoints) return segs;
  return segs.map((s) => downsampleSegment(s, Math.max(2, Math.floor((maxPoints * s.t.length) / total))));
}

export function pointCount(segs: Segment[]): number {
  return segs.reduce((a, s) => a + s.t.length, 0);
}
