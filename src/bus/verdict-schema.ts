// The shape of verdict.json (src/bus/verdict.ts) as a zod schema, for what reads it back:
// `exsoak report` and `compare` take results folders from anywhere (CI artifacts, crafted
// folders); a wrong type must be a message naming the file and key, not a TypeError deep in
// the report. Extra keys pass (newer writers may add some); the keys readers use are checked.
import { z } from 'zod';
import { LEAK_STATUSES, type Verdict } from './verdict.ts';

const finiteOrNull = z.number().finite().nullable();

const CriterionSchema = z
  .object({ expr: z.string(), value: z.union([finiteOrNull, z.string()]), pass: z.boolean(), abortOnFail: z.boolean().optional(), note: z.string().optional() })
  .passthrough();

const LeakSchema = z
  .object({
    // The writer's own list: verdict.json with an `inconclusive` leak was refused by `report`.
    status: z.enum(LEAK_STATUSES),
    points: z.number().finite(),
    slopeMbPerH: z.number().finite().optional(),
    lowMbPerH: z.number().finite().optional(),
    highMbPerH: z.number().finite().optional(),
    pValue: z.number().finite().optional(),
    projectedMb: z.number().finite().optional(),
    budgetMb: z.number().finite(),
    confirmedAt: z.number().finite().optional(),
    // `bounded`: the growth and the plateau after it.
    growthMb: z.number().finite().optional(),
    growthMs: z.number().finite().optional(),
    stoppedAt: z.number().finite().optional(),
    plateauMs: z.number().finite().optional(),
    plateauSlopeMbPerH: z.number().finite().optional(),
    plateauHighMbPerH: z.number().finite().optional(),
    plateauNeededMs: z.number().finite().optional(),
    culprits: z.array(z.object({ path: z.string(), holder: z.string(), text: z.string() }).passthrough()).optional(),
  })
  .passthrough();

export const VerdictSchema = z
  .object({
    pass: z.boolean(),
    scenario: z.string(),
    partial: z.boolean(),
    reason: z.string(),
    durationMs: z.number().finite(),
    probes: z.record(
      z.string(),
      z.object({ pass: z.boolean(), kind: z.string(), status: z.string(), error: z.string().optional(), criteria: z.array(CriterionSchema), leak: LeakSchema.optional() }).passthrough(),
    ),
    process: z
      .object({
        pass: z.boolean(),
        criteria: z.array(CriterionSchema),
        leak: z.object({ rss: LeakSchema, workersSlopeMbPerH: z.number().finite(), nativeSlopeMbPerH: finiteOrNull }).passthrough().optional(),
        instrumentRssMb: z.number().finite().optional(),
      })
      .passthrough(),
  })
  .passthrough();

/** The verdict, or the first problem as "key.path: message". */
export function parseVerdict(value: unknown): { ok: true; verdict: Verdict } | { ok: false; problem: string } {
  const parsed = VerdictSchema.safeParse(value);
  if (parsed.success) return { ok: true, verdict: parsed.data as unknown as Verdict };
  const issue = parsed.error.issues[0]!;
  return { ok: false, problem: `${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}` };
}
