// The keys of a `kind: process` probe: any program, in any language, started by command or
// attached to by PID. The scenario loader merges these with the keys every probe has
// (kind, thresholds, startDelay…) and reports issues with the file and key path.
import { z } from 'zod';
import { duration } from '../../shared/fields.ts';
import { checkProcessProbe, splitCommand } from '../process-spec.ts';
import { envVars, inheritEnv } from './env.ts';
import type { ProbeKindValidation } from '../types.ts';

/** A name a counter or gauge takes in thresholds, e.g. `messages` or `drops.unscheduled`. */
const metricName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)*$/, 'expected a metric name like "messages" or "drops.unscheduled"');
/** A Prometheus metric family name as the client exposes it. */
const promName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'expected a Prometheus metric name like "binance_messages_received_total"');

const command = z.union([z.string(), z.array(z.string()).min(1, 'expected at least the program')]).transform((value, ctx) => {
  if (Array.isArray(value)) {
    if (value[0]!.trim() === '') {
      ctx.addIssue({ code: 'custom', message: 'the program (first element) is empty' });
      return z.NEVER;
    }
    return value;
  }
  try {
    const argv = splitCommand(value);
    if (argv.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'expected a command, got an empty string' });
      return z.NEVER;
    }
    return argv;
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const metrics = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'expected an http:// URL of the client\'s Prometheus endpoint' }),
    counters: z.record(metricName, promName).default({}),
    gauges: z.record(metricName, promName).default({}),
    /** How long one scrape may take (also bounded by the sample interval by the caller). */
    timeout: duration.default(2_000),
  })
  .strict();

const ready = z
  .object({
    /** Ready once the first scrape of `metrics.url` succeeds. */
    metrics: z.literal(true).optional(),
    /** Ready once a stdout or stderr line contains this text. */
    line: z.string().min(1).optional(),
    timeout: duration.default(30_000),
  })
  .strict()
  .superRefine((r, ctx) => {
    if ((r.metrics ? 1 : 0) + (r.line !== undefined ? 1 : 0) !== 1) {
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of "metrics: true" or "line: <text>"' });
    }
  });

const processProbeShape = {
  command: command.optional(),
  pid: z.number().int().positive().optional(),
  cwd: z.string().min(1).optional(),
  env: envVars,
  inheritEnv,
  simulator: z.enum(['binance', 'bitunix']).optional(),
  metrics: metrics.optional(),
  events: z.literal('stdout-ndjson').optional(),
  ready: ready.optional(),
  /** Measure the process and its descendants (a launcher script's real worker is a child). */
  tree: z.boolean().default(true),
  /** A Node program: started with the inspector so its V8 heap is read like a worker's. */
  node: z.boolean().default(false),
  /**
   * A CPython (>= 3.9) program: started with exsoak's tracemalloc agent, so its Python heap floor
   * and, on a confirmed leak, the allocating lines and growing containers are read from inside.
   * `{ depth: N }`: tracemalloc's traceback depth (default 1; each frame costs CPU per allocation);
   * `{ snapshots: true }`: also compare full tracemalloc snapshots (each stops the program ~5 ms per MB traced).
   */
  python: z.union([z.boolean(), z.object({ depth: z.number().int().min(1).max(100).optional(), snapshots: z.boolean().optional() }).strict()]).default(false),
  /** Largest size of each of `<probe>.stdout.log` / `.stderr.log`. */
  logLimit: z.number().int().positive().default(10 * 1024 * 1024),
  /**
   * The program is meant to finish before the run does (a batch job): its exit 0 (or an attached
   * process's end) is then not a failure. Otherwise a probe that stops before the run ends fails.
   */
  expectExit: z.boolean().default(false),
};

export const processProbeSchema = z
  .object(processProbeShape)
  .strict()
  .superRefine((p, ctx) => {
    if ((p.command ? 1 : 0) + (p.pid !== undefined ? 1 : 0) !== 1) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'expected exactly one of "command" (start a program) or "pid" (attach to a running one)' });
      return;
    }
    if (p.pid === 1) ctx.addIssue({ code: 'custom', path: ['pid'], message: 'pid 1 is the init process: its tree is the whole machine, not a client (attach to the client\'s own PID)' });
    if (p.pid !== undefined && p.pid === process.pid) ctx.addIssue({ code: 'custom', path: ['pid'], message: `pid ${p.pid} is exsoak itself (the supervisor would measure its own RSS as the probe's)` });
    if (p.pid !== undefined) {
      // An attached process is only measured: we hold none of its pipes, its environment is
      // fixed and it was not started with the inspector.
      for (const key of ['cwd', 'simulator', 'events', 'node'] as const) {
        const set = key === 'node' ? p.node : p[key] !== undefined;
        if (set) ctx.addIssue({ code: 'custom', path: [key], message: `not available with "pid" (an attached process is measured only, never started)` });
      }
      if (p.python) {
        ctx.addIssue({ code: 'custom', path: ['python'], message: 'not available with "pid": the Python agent is loaded when exsoak starts the program (PYTHONPATH + sitecustomize), so an attached process cannot have it; use "command"' });
      }
      if (Object.keys(p.env).length > 0) ctx.addIssue({ code: 'custom', path: ['env'], message: 'not available with "pid" (an attached process is measured only, never started)' });
      if (p.inheritEnv !== true) ctx.addIssue({ code: 'custom', path: ['inheritEnv'], message: 'not available with "pid" (an attached process is measured only, never started)' });
      if (p.ready?.line !== undefined) ctx.addIssue({ code: 'custom', path: ['ready', 'line'], message: 'not available with "pid": exsoak does not see an attached process\'s output' });
    }
    if (p.node && p.python) ctx.addIssue({ code: 'custom', path: ['python'], message: 'expected at most one of "node: true" or "python: true" (one runtime per program)' });
    if (p.ready?.metrics && !p.metrics) ctx.addIssue({ code: 'custom', path: ['ready', 'metrics'], message: 'needs "metrics.url" to know where to scrape' });
  });

export type ProcessProbeSpec = z.output<typeof processProbeSchema>;

export const validation: ProbeKindValidation = {
  // Everything is in the probe's own block: `options:` stays empty.
  optionsSchema: z.object({}).strict(),
  specSchema: processProbeSchema,
  check(own, { baseDir }) {
    try {
      checkProcessProbe(own as ProcessProbeSpec, baseDir);
    } catch (err) {
      const message = (err as Error).message;
      // The loader prefixes `probes.NAME.`: the key comes first, then what was wrong with it.
      throw new Error(`${message.startsWith('cwd ') ? 'cwd' : 'command'}: ${message}`);
    }
  },
};
