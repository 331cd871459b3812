// The verdict's types: the run's last bus event and the content of verdict.json (a contract:
// README "Results"). Its producers (src/verdict) and its consumers (results files, the terminal
// summary, exports) share these shapes and nothing else. The shapes are defined once, as the
// schemas that read verdict.json back (./verdict-schema.ts); the types are inferred from them.
// This module loads no zod: the imports below are type-only and erased, so the supervising
// process (no zod, test/e2e/lean-supervisor.test.ts) can import it. Lists code needs at run
// time (LEAK_STATUSES) live here and the schemas take them from here.
import type { z } from 'zod';
import type { CriterionSchema, CulpritSchema, LeakReportSchema, ProbeVerdictSchema, ProcessLeakSchema, VerdictSchema } from './verdict-schema.ts';

/**
 * `insufficient-data`: too few points for a trend; `inconclusive`: a trend was measured but could
 * not be decided either way (`reason` says which rule held it back); `none`: concluded, no leak
 * over the budget; `bounded`: the floor grew, then stopped and stayed flat (a cache that filled),
 * passing unless the growth itself exceeds the budget.
 */
export const LEAK_STATUSES = ['insufficient-data', 'inconclusive', 'none', 'suspected', 'confirmed', 'bounded'] as const;
export type LeakStatus = (typeof LEAK_STATUSES)[number];

export type LeakReport = z.output<typeof LeakReportSchema>;
/** An object that holds what grew between two heap snapshots of one probe. */
export type Culprit = z.output<typeof CulpritSchema>;
export type Criterion = z.output<typeof CriterionSchema>;
export type ProbeVerdict = z.output<typeof ProbeVerdictSchema>;
/** RSS growth split into what the workers' heaps explain and the rest (native, buffers, sockets). */
export type ProcessLeak = z.output<typeof ProcessLeakSchema>;
export type Verdict = z.output<typeof VerdictSchema>;
