// Figures as the bench reports them: the median of several repetitions with their min and max,
// and ratios taken inside one run (the machines are noisy: a ratio across runs would compare
// two different moods of the same host).

export interface Figure {
  median: number;
  min: number;
  max: number;
  /** Every repetition, in the order measured. */
  runs: number[];
  unit: string;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function figure(runs: readonly number[], unit: string): Figure {
  const finite = runs.filter((v) => Number.isFinite(v));
  return {
    median: median(finite),
    min: finite.length ? Math.min(...finite) : NaN,
    max: finite.length ? Math.max(...finite) : NaN,
    runs: [...runs],
    unit,
  };
}

/** Quantile of raw samples (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * A ratio of two figures measured in the same run: the median of the per-repetition ratios when
 * the repetitions pair up (rep i of both ran back to back), else the ratio of the medians.
 */
export function ratio(a: Figure, b: Figure): Figure {
  const paired = a.runs.length === b.runs.length && a.runs.length > 0;
  const runs = paired ? a.runs.map((v, i) => v / b.runs[i]!) : [a.median / b.median];
  return figure(runs, '×');
}

/** One row of the printed table and of latest.json. */
export interface Row {
  suite: string;
  name: string;
  figure: Figure;
  note?: string;
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 100_000) return Math.round(v).toLocaleString('en-US');
  if (abs >= 100) return v.toFixed(0);
  if (abs >= 10) return v.toFixed(1);
  if (abs >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

export function table(rows: readonly Row[]): string {
  const cells = rows.map((r) => [
    r.suite,
    r.name,
    fmt(r.figure.median),
    `${fmt(r.figure.min)} … ${fmt(r.figure.max)}`,
    r.figure.unit,
    String(r.figure.runs.length),
    r.note ?? '',
  ]);
  const head = ['suite', 'figure', 'median', 'min … max', 'unit', 'n', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c.map((v, i) => (i === 2 || i === 3 || i === 5 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
