// The verdict: the run's last bus event and the content of verdict.json (a contract: README
// "Results"). Its producers (src/verdict) and its consumers (results files, the terminal
// summary, exports) share these shapes and nothing else.

/**
 * `insufficient-data`: too few points for a trend; `inconclusive`: a trend was measured but could
 * not be decided either way (`reason` says which rule held it back); `none`: concluded, no leak
 * over the budget; `bounded`: the floor grew, then stopped and stayed flat (a cache that filled),
 * passing unless the growth itself exceeds the budget.
 */
export const LEAK_STATUSES = ['insufficient-data', 'inconclusive', 'none', 'suspected', 'confirmed', 'bounded'] as const;
export type LeakStatus = (typeof LEAK_STATUSES)[number];

export interface LeakReport {
  status: LeakStatus;
  /** The series the trend was judged on: a worker's post-GC heap floor, or a process probe's own RSS. */
  series?: 'heap_floor_mb' | 'rss_mb';
  points: number;
  slopeMbPerH?: number;
  lowMbPerH?: number;
  highMbPerH?: number;
  pValue?: number;
  /** Growth projected over the nominal duration from the slope's lower bound, MB. */
  projectedMb?: number;
  budgetMb: number;
  /** When a leak was first confirmed: the early signal, kept even if the run later shows it bounded. */
  confirmedAt?: number;
  /** `bounded`: how much the series grew (MB) and over how long (ms) before it stopped. */
  growthMb?: number;
  growthMs?: number;
  /** `bounded`: when the plateau began (epoch ms), its length (ms), slope and the slope's upper bound (MB/h). */
  stoppedAt?: number;
  plateauMs?: number;
  plateauSlopeMbPerH?: number;
  plateauHighMbPerH?: number;
  /** Growth still under way: how much longer it would have to stay flat to be judged bounded, ms. */
  plateauNeededMs?: number;
  /** One human sentence: the conclusion, or the single rule that kept the check from one. */
  reason?: string;
  /** The rule that held the trend back from a suspected leak (docs/leak-detection.md). */
  heldBy?: 'significance' | 'lowBound' | 'budget' | 'slowing' | 'minGrowth';
  /** Without a conclusion: the shortest run that could confirm a leak at the budget's pace, ms. */
  neededRunMs?: number;
  /** What holds the growth between the two leak snapshots, by retainer path (src/snapshot/culprits.ts). */
  culprits?: Culprit[];
}

/** An object that holds what grew between two heap snapshots of one probe. */
export interface Culprit {
  /** Root-to-holder path, e.g. `client (variable in main) → seenIds → Map`. */
  path: string;
  /** The object that holds what grew, e.g. `Map (seenIds)`. */
  holder: string;
  retainedBytes: number;
  retainedDeltaBytes: number;
  /** Entries of the holder (elements, Map/Set entries, properties) added between the snapshots. */
  countDelta: number;
  /** New objects retained through the holder. */
  newObjects: number;
  /** Function and script the path runs through, `name @ file:line:col`, where V8 recorded it. */
  location?: string;
  text: string;
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
  /** A crashed process probe: how it ended, and its last 50 stderr lines. */
  exit?: { code: number | null; signal: string | null };
  stderrTail?: string[];
  /** The crash's stack, as the probe's worker threw it. */
  stack?: string;
  /** A state it reported it cannot leave (ERROR_LOCK, missing credentials…), with its reason. */
  fatal?: string;
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
  /** `instrumentRssMb`: the RSS heap snapshots took, kept out of the RSS criteria. */
  process: { pass: boolean; criteria: Criterion[]; leak?: ProcessLeak; instrumentRssMb?: number };
}
