// The verdict — the run's last bus event and the content of verdict.json (a contract: README
// "Results") — defined once, as zod schemas. Its types (src/bus/verdict.ts) are inferred from
// these, so the shape the engine writes and the shape `exsoak report` and `compare` read back
// cannot drift apart (they did once: `report` refused every run whose leak was `inconclusive`).
// A new field is one line here. Only readers load this module: the supervising process, which
// writes verdict.json, imports the types alone (an erased `import type`) and so no zod.
//
// Reading back: results folders come from anywhere (CI artifacts, crafted folders); a wrong type
// must be a message naming the key, not a TypeError deep in the report. Keys this version does
// not know (a newer writer's) pass and are dropped. zod 4 numbers are finite: a NaN or Infinity
// (written as null by JSON) is refused where a number is required.
import { z } from 'zod';
import { LEAK_STATUSES } from './verdict.ts';

/** An object that holds what grew between two heap snapshots of one probe. */
export const CulpritSchema = z.object({
  /** Root-to-holder path, e.g. `client (variable in main) → seenIds → Map`. */
  path: z.string(),
  /** The object that holds what grew, e.g. `Map (seenIds)`. */
  holder: z.string(),
  retainedBytes: z.number(),
  retainedDeltaBytes: z.number(),
  /** Entries of the holder (elements, Map/Set entries, properties) added between the snapshots. */
  countDelta: z.number(),
  /** New objects retained through the holder. */
  newObjects: z.number(),
  /** Function and script the path runs through, `name @ file:line:col`, where V8 recorded it. */
  location: z.string().optional(),
  /**
   * A Python probe's culprits are of two kinds: `holder` (a container whose len() grew, named by
   * its referrer path) and `allocation` (a tracemalloc site, `location` = the user's file:line).
   */
  kind: z.enum(['holder', 'allocation']).optional(),
  /** An allocation's source line, and its traceback most recent call first (library frames marked). */
  code: z.string().optional(),
  traceback: z.array(z.string()).optional(),
  text: z.string(),
});

export const LeakReportSchema = z.object({
  /** The writer's own list (src/bus/verdict.ts), so a status it writes is one it reads. */
  status: z.enum(LEAK_STATUSES),
  /** The series the trend was judged on: a worker's post-GC heap floor, or a process probe's own RSS. */
  series: z.enum(['heap_floor_mb', 'rss_mb']).optional(),
  points: z.number(),
  slopeMbPerH: z.number().optional(),
  lowMbPerH: z.number().optional(),
  highMbPerH: z.number().optional(),
  pValue: z.number().optional(),
  /** Growth projected over the nominal duration from the slope's lower bound, MB. */
  projectedMb: z.number().optional(),
  budgetMb: z.number(),
  /** When a leak was first confirmed: the early signal, kept even if the run later shows it bounded. */
  confirmedAt: z.number().optional(),
  /** `bounded`: how much the series grew (MB) and over how long (ms) before it stopped. */
  growthMb: z.number().optional(),
  growthMs: z.number().optional(),
  /** `bounded`: when the plateau began (epoch ms), its length (ms), slope and the slope's upper bound (MB/h). */
  stoppedAt: z.number().optional(),
  plateauMs: z.number().optional(),
  plateauSlopeMbPerH: z.number().optional(),
  plateauHighMbPerH: z.number().optional(),
  /** Growth still under way: how much longer it would have to stay flat to be judged bounded, ms. */
  plateauNeededMs: z.number().optional(),
  /** One human sentence: the conclusion, or the single rule that kept the check from one. */
  reason: z.string().optional(),
  /** The rule that held the trend back from a suspected leak (docs/leak-detection.md). */
  heldBy: z.enum(['significance', 'lowBound', 'budget', 'slowing', 'minGrowth']).optional(),
  /** Without a conclusion: the shortest run that could confirm a leak at the budget's pace, ms. */
  neededRunMs: z.number().optional(),
  /** What holds the growth between the two leak snapshots, by retainer path (src/snapshot/culprits.ts). */
  culprits: z.array(CulpritSchema).optional(),
});

export const CriterionSchema = z.object({
  expr: z.string(),
  value: z.union([z.number(), z.string()]).nullable(),
  pass: z.boolean(),
  abortOnFail: z.boolean().optional(),
  note: z.string().optional(),
});

export const ProbeVerdictSchema = z.object({
  pass: z.boolean(),
  kind: z.string(),
  status: z.string(),
  error: z.string().optional(),
  /** A crashed process probe: how it ended, and its last 50 stderr lines. */
  exit: z.object({ code: z.number().nullable(), signal: z.string().nullable() }).optional(),
  stderrTail: z.array(z.string()).optional(),
  /** The crash's stack, as the probe's worker threw it. */
  stack: z.string().optional(),
  /** A state it reported it cannot leave (ERROR_LOCK, missing credentials…), with its reason. */
  fatal: z.string().optional(),
  /** What was dropped, replaced or rejected of what the probe sent (src/shared/untrusted.ts InputTally), when anything was. */
  input: z.record(z.string(), z.number()).optional(),
  criteria: z.array(CriterionSchema),
  leak: LeakReportSchema.optional(),
  snapshotDiff: z.unknown().optional(),
});

/** RSS growth split into what the workers' heaps explain and the rest (native, buffers, sockets). */
export const ProcessLeakSchema = z.object({
  rss: LeakReportSchema,
  workersSlopeMbPerH: z.number(),
  nativeSlopeMbPerH: z.number().nullable(),
});

export const VerdictSchema = z.object({
  pass: z.boolean(),
  scenario: z.string(),
  partial: z.boolean(),
  reason: z.string(),
  durationMs: z.number(),
  probes: z.record(z.string(), ProbeVerdictSchema),
  process: z.object({
    pass: z.boolean(),
    criteria: z.array(CriterionSchema),
    leak: ProcessLeakSchema.optional(),
    /** The RSS heap snapshots took, kept out of the RSS criteria. */
    instrumentRssMb: z.number().optional(),
  }),
});

/** The verdict, or the first problem as "key.path: message". */
export function parseVerdict(value: unknown): { ok: true; verdict: z.output<typeof VerdictSchema> } | { ok: false; problem: string } {
  const parsed = VerdictSchema.safeParse(value);
  if (parsed.success) return { ok: true, verdict: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { ok: false, problem: `${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}` };
}
