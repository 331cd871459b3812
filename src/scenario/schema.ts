// The scenario file, validated: unknown keys are errors, units are parsed, defaults are filled.
import { z } from 'zod';
import { duration, size } from '../shared/fields.ts';
import { parseByteRate } from '../shared/units.ts';
import { parseThreshold, ExpressionError } from '../shared/threshold.ts';
import { venue, venueNames } from '../probes/index.ts';
import { externalSimulatorOrigin } from './external-simulator.ts';
import { DEFAULT_GC_FLOOR_BUDGET } from '../bus/protocol.ts';

const thresholdString = z.string().transform((expr, ctx) => {
  try {
    return parseThreshold(expr);
  } catch (err) {
    const message = err instanceof ExpressionError ? err.message : String(err);
    ctx.addIssue({ code: 'custom', message: `bad threshold expression: ${message}` });
    return z.NEVER;
  }
});

// A threshold is a bare expression or { threshold, abortOnFail, delayAbortEval } (k6's shapes).
export const ThresholdSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { threshold: value } : value),
  z
    .object({
      threshold: thresholdString,
      abortOnFail: z.boolean().default(false),
      delayAbortEval: duration.default(0),
    })
    .strict()
    .transform(({ threshold, abortOnFail, delayAbortEval }) => ({ threshold, abortOnFail, delayAbortEvalMs: delayAbortEval })),
);
export type ThresholdSpec = z.output<typeof ThresholdSchema>;

/** `url` alone (an external simulator), or options for the simulator the supervisor starts. */
const simulatorOptions = z.record(z.string(), z.unknown()).superRefine((options, ctx) => {
  if (!('url' in options)) return;
  if (typeof options.url !== 'string' || externalSimulatorOrigin(options.url) === undefined) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'expected the base URL of a running simulator, like "http://127.0.0.1:9443"' });
  }
  for (const key of Object.keys(options)) {
    if (key === 'url') continue;
    ctx.addIssue({
      code: 'custom',
      path: [key],
      message: 'cannot apply to an external simulator (url is set): give it to the `exsoak sim` that runs it',
    });
  }
});

/** Keys every probe has, whatever its kind. */
export const COMMON_PROBE_KEYS = ['kind', 'options', 'thresholds', 'startDelay', 'resourceLimits', 'injectLeak', 'failOnFatal'] as const;

const ProbeSchema = z
  .object({
    kind: z.string(),
    options: z.record(z.string(), z.unknown()).default({}),
    thresholds: z.array(ThresholdSchema).default([]),
    /** Start this long after the run starts (staggered starts). */
    startDelay: duration.default(0),
    resourceLimits: z
      .object({
        maxOldGenerationSizeMb: z.number().positive().optional(),
        maxYoungGenerationSizeMb: z.number().positive().optional(),
        stackSizeMb: z.number().positive().optional(),
      })
      .strict()
      .default({}),
    /** Retain heap at this rate (calibration), e.g. "200KB/min"; same as --inject-leak. */
    // Checked here (exit 2 before anything starts) but kept as written: the run parses it.
    injectLeak: z
      .string({ error: 'expected a rate like "200KB/min" or "1MB/s"' })
      .superRefine((value, ctx) => {
        try {
          parseByteRate(value);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      })
      .optional(),
    /** A state the probe cannot leave (ERROR_LOCK, …) fails it and stops the run at once. */
    failOnFatal: z.boolean().default(true),
  })
  // Keys beyond these belong to the probe's kind (`module:`, `command:`, …): the loader validates
  // them with the kind's own schema (src/probes), so an unknown key is still an error.
  .catchall(z.unknown());

export const ScenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/i, 'expected a name usable in a folder name').max(100, 'expected a name of at most 100 characters'),
    description: z.string().optional(),
    duration: duration.refine((ms) => ms > 0, 'expected a positive duration'),
    /** The run's planned length when `duration` is shortened by a flag: leak budgets project over it. */
    nominalDuration: duration.optional(),
    sampleInterval: duration.refine((ms) => ms > 0, 'expected a positive duration').default(1000),
    /** How often workers force a full GC to measure their heap floor (0 = only observe). */
    gcFloorInterval: duration.default(5000),
    /**
     * The share of a worker probe's own CPU time its forced floor collections may take (never
     * less than 1 ms a second): a collection it cannot pay for yet waits for a later interval,
     * at most 8 intervals (workers/lib/floor-gc.ts). `off`: one every gcFloorInterval, whatever it costs.
     */
    gcFloorBudget: z.union([z.number().gt(0, 'expected a share of CPU time above 0 (e.g. 0.03), or off').max(1, 'expected a share of CPU time of at most 1, or off'), z.literal('off')]).default(DEFAULT_GC_FLOOR_BUDGET),
    target: z.enum(['sim', 'live']).default('sim'),
    seed: z.number().int().default(1),
    stopGrace: duration.default(10_000),
    /** A probe found unresponsive in more than this share of its samples fails. */
    maxUnresponsiveShare: z.number().min(0).max(1).default(0.2),
    probes: z.record(z.string(), ProbeSchema).refine((p) => Object.keys(p).length > 0, 'expected at least one probe'),
    process: z
      .object({ thresholds: z.array(ThresholdSchema).default([]) })
      .strict()
      .default({ thresholds: [] }),
    /**
     * Options handed to the simulators when the target is `sim` (rates, rules, faults), or
     * `url:` the base URL of a simulator that is already running (`exsoak sim … --port N`): the
     * supervisor then connects the probes to it and starts none of its own.
     */
    simulators: z
      .record(z.string(), simulatorOptions)
      .superRefine((sims, ctx) => {
        for (const name of Object.keys(sims)) {
          if (!venue(name)) ctx.addIssue({ code: 'custom', path: [name], message: `unknown simulator "${name}" (expected one of ${venueNames().join(', ')})` });
        }
      })
      .default({}),
    /** Early leak detection on each worker's post-GC heap floor (docs/leak-detection.md). */
    leak: z
      .object({
        warmup: duration.default(30_000),
        budget: size.default(50 * 1024 * 1024),
        /**
         * Growth that must actually be observed before a trend can be a leak. 512 KB: ten times
         * the floor's noise on the real probes, and seen within 10 minutes at 7 MB/h.
         */
        minGrowth: size.default(512 * 1024),
        alpha: z.number().gt(0).lt(0.5).default(0.01),
        confirmations: z.number().int().positive().default(3),
        maxPoints: z.number().int().min(16).max(4096).default(240),
        /** A confirmed leak fails the probe's verdict. */
        failOnConfirmed: z.boolean().default(true),
        /**
         * Stop the run at a probe's first confirmed leak (after its snapshot). Off by default: the
         * whole run decides, and growth that stops later is `bounded`, not a leak.
         */
        abortOnConfirmed: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /** Heap snapshots of a worker on an abort, a confirmed leak, or a heap near its limit. */
    snapshots: z
      .object({
        max: z.number().int().min(0).default(4),
        minInterval: duration.default(60_000),
        secondAfter: duration.default(60_000),
        nearLimitRatio: z.number().gt(0).max(1).default(0.85),
      })
      .strict()
      .prefault({}),
    /** The periodic report (reports.ndjson): every this long, in the scenario's time (compressed runs scale it). */
    report: z.object({ every: duration.refine((ms) => ms > 0, 'expected a positive duration').optional() }).strict().prefault({}),
    metrics: z
      .object({ port: z.number().int().min(0).max(65535).default(9091), host: z.string().default('127.0.0.1') })
      .strict()
      .default({ port: 9091, host: '127.0.0.1' }),
  })
  .strict();

export type Scenario = z.output<typeof ScenarioSchema>;
