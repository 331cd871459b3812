// The keys of a `kind: process` probe: any program, in any language, started by command or
// attached to by PID. The scenario loader merges these with the keys every probe has
// (kind, thresholds, startDelay…) and reports issues with the file and key path.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { parse as shellParse } from 'shell-quote';
import { z } from 'zod';
import { duration } from '../shared/fields.ts';

/** A name a counter or gauge takes in thresholds, e.g. `messages` or `drops.unscheduled`. */
const metricName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)*$/, 'expected a metric name like "messages" or "drops.unscheduled"');
/** A Prometheus metric family name as the client exposes it. */
const promName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'expected a Prometheus metric name like "binance_messages_received_total"');

/**
 * Splits a command string the way a POSIX shell splits words (quotes, backslashes), without
 * running a shell: nothing is expanded and operators are refused, so what the scenario says is
 * exactly the argv that is executed.
 */
export function splitCommand(command: string): string[] {
  // Returning the variable's own spelling keeps `$HOME` literal: expansion is the shell's job.
  const tokens = shellParse(command, (key) => `$${key}`);
  const argv: string[] = [];
  for (const token of tokens) {
    if (typeof token === 'string') {
      argv.push(token);
      continue;
    }
    if ('comment' in token) break;
    const op = 'op' in token ? token.op : String(token);
    throw new Error(`shell syntax "${op === 'glob' && 'pattern' in token ? token.pattern : op}" is not supported (no shell runs the command); write the argv as an array, e.g. [sh, -c, "…"]`);
  }
  return argv;
}

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

export const processProbeShape = {
  command: command.optional(),
  pid: z.number().int().positive().optional(),
  cwd: z.string().min(1).optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name'), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  simulator: z.enum(['binance', 'bitunix']).optional(),
  metrics: metrics.optional(),
  events: z.literal('stdout-ndjson').optional(),
  ready: ready.optional(),
  /** Measure the process and its descendants (a launcher script's real worker is a child). */
  tree: z.boolean().default(true),
  /** A Node program: started with the inspector so its V8 heap is read like a worker's. */
  node: z.boolean().default(false),
  /** Largest size of each of `<probe>.stdout.log` / `.stderr.log`. */
  logLimit: z.number().int().positive().default(10 * 1024 * 1024),
};

export const processProbeSchema = z
  .object(processProbeShape)
  .strict()
  .superRefine((p, ctx) => {
    if ((p.command ? 1 : 0) + (p.pid !== undefined ? 1 : 0) !== 1) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'expected exactly one of "command" (start a program) or "pid" (attach to a running one)' });
      return;
    }
    if (p.pid !== undefined) {
      // An attached process is only measured: we hold none of its pipes, its environment is
      // fixed and it was not started with the inspector.
      for (const key of ['cwd', 'simulator', 'events', 'node'] as const) {
        const set = key === 'node' ? p.node : p[key] !== undefined;
        if (set) ctx.addIssue({ code: 'custom', path: [key], message: `not available with "pid" (an attached process is measured only, never started)` });
      }
      if (Object.keys(p.env).length > 0) ctx.addIssue({ code: 'custom', path: ['env'], message: 'not available with "pid" (an attached process is measured only, never started)' });
      if (p.ready?.line !== undefined) ctx.addIssue({ code: 'custom', path: ['ready', 'line'], message: 'not available with "pid": exsoak does not see an attached process\'s output' });
    }
    if (p.ready?.metrics && !p.metrics) ctx.addIssue({ code: 'custom', path: ['ready', 'metrics'], message: 'needs "metrics.url" to know where to scrape' });
  });

export type ProcessProbeSpec = z.output<typeof processProbeSchema>;

/**
 * The executable a command runs: a name with a slash is taken relative to `cwd`, a bare name is
 * looked up on PATH (the one the child will get). Throws an error naming the command, so a
 * missing binary is a scenario error before anything starts rather than a crash after.
 */
export function resolveExecutable(program: string, cwd: string, envPath: string | undefined = process.env.PATH): string {
  const candidates = program.includes('/')
    ? [path.resolve(cwd, program)]
    : (envPath ?? '').split(path.delimiter).filter((dir) => dir !== '').map((dir) => path.resolve(cwd, dir, program));
  for (const file of candidates) {
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not there or not executable: try the next
    }
  }
  if (program.includes('/')) throw new Error(`command "${program}": ${candidates[0]} does not exist or is not an executable file`);
  throw new Error(`command "${program}": not found on PATH (${envPath ?? 'PATH is not set'})`);
}

/** The working directory of a started process: `cwd` relative to the scenario file's folder. */
export function resolveCwd(spec: Pick<ProcessProbeSpec, 'cwd'>, baseDir: string): string {
  const dir = path.resolve(baseDir, spec.cwd ?? '.');
  let ok = false;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new Error(`cwd "${spec.cwd}": ${dir} is not a directory`);
  return dir;
}

/**
 * Load-time checks that need the file system: the working directory exists and the program
 * resolves. Returns the absolute path of the executable. Errors name the key.
 */
export function checkProcessProbe(spec: ProcessProbeSpec, baseDir: string): { cwd: string; executable: string } | undefined {
  if (!spec.command) return undefined;
  const cwd = resolveCwd(spec, baseDir);
  const envPath = spec.env.PATH ?? process.env.PATH;
  return { cwd, executable: resolveExecutable(spec.command[0]!, cwd, envPath) };
}

/** The environment variables `simulator:` exports, from a running simulator's endpoints. */
export function simulatorEnv(simulator: 'binance' | 'bitunix' | undefined, endpoints: Record<string, string> | undefined): Record<string, string> {
  if (!simulator || !endpoints) return {};
  const names: Record<string, string> =
    simulator === 'binance'
      ? { ws: 'EXSOAK_BINANCE_WS', rest: 'EXSOAK_BINANCE_REST' }
      : { rest: 'EXSOAK_BITUNIX_REST', wsPublic: 'EXSOAK_BITUNIX_WS_PUBLIC', wsPrivate: 'EXSOAK_BITUNIX_WS_PRIVATE' };
  const env: Record<string, string> = {};
  for (const [key, name] of Object.entries(names)) if (endpoints[key]) env[name] = endpoints[key]!;
  return env;
}
