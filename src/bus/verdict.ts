// The verdict: the run's last bus event and the content of verdict.json (a contract: README
// "Results"). Its producers (src/verdict) and its consumers (results files, the terminal
// summary, exports) share these shapes and nothing else.

export type LeakStatus = 'insufficient-data' | 'none' | 'suspected' | 'confirmed';

export interface LeakReport {
  status: LeakStatus;
  points: number;
  slopeMbPerH?: number;
  lowMbPerH?: number;
  highMbPerH?: number;
  pValue?: number;
  /** Growth projected over the nominal duration from the slope's lower bound, MB. */
  projectedMb?: number;
  budgetMb: number;
  confirmedAt?: number;
}

export interface Criterion {
  expr: string;
  value: number | string | null;
  pass: boolean;
  abortOnFail?: boolean;
  note?: string;
}

export interface ProbeVerdict {
  pass: boolean;
  kind: string;
  status: string;
  error?: string;
  criteria: Criterion[];
  leak?: LeakReport;
  snapshotDiff?: unknown;
}

/** RSS growth split into what the workers' heaps explain and the rest (native, buffers, sockets). */
export interface ProcessLeak {
  rss: LeakReport;
  workersSlopeMbPerH: number;
  nativeSlopeMbPerH: number | null;
}

export interface Verdict {
  pass: boolean;
  scenario: string;
  partial: boolean;
  reason: string;
  durationMs: number;
  probes: Record<string, ProbeVerdict>;
  process: { pass: boolean; criteria: Criterion[]; leak?: ProcessLeak };
}
