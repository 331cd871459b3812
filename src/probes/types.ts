// What a probe kind and a venue are, as the registry holds them. Everything the rest of exsoak
// needs to know about a kind is here: how its options are validated, what it reports, which
// venue it talks to, how it runs and which feature switches `bisect` tries.
import type { z } from 'zod';

export interface MetricDecl {
  /** `name.*` declares a family (e.g. `errors.*`). */
  name: string;
  unit?: string;
  meaning: string;
}

export interface BisectVariant {
  label: string;
  options: Record<string, unknown>;
}

/** How a kind runs: a worker-thread module (piscina) that exports the probe's task function. */
interface WorkerRunner {
  type: 'worker';
  /** Absolute path of the worker file. */
  file: string;
}

/** Or a program of its own, started by command or attached by PID, measured from outside. */
interface ProcessRunner {
  type: 'process';
}

/** What a kind's probe declares in its own scenario block (a user's module or program). */
interface DeclaredMetrics {
  counters: readonly MetricDecl[];
  gauges: readonly MetricDecl[];
}

/**
 * What a kind is at run time. It holds no schema: the supervisor's steady state carries no
 * validation library (zod alone is ~11 MB of RSS); validation is `ProbeKindValidation`, which only
 * the scenario loader reads.
 */
export interface ProbeKindDescriptor {
  kind: string;
  /** One line for docs and errors. */
  summary: string;
  counters: readonly MetricDecl[];
  gauges: readonly MetricDecl[];
  /** The venue it talks to (a registered VenueDescriptor name); none for control probes. */
  venue?: string;
  runner: WorkerRunner | ProcessRunner;
  /**
   * Feature switches `bisect` runs one at a time, from the probe's parsed options (`own`: the
   * probe's own block, e.g. its `variants:`). A variant's options are parsed options too.
   */
  bisectVariants?: (options: Record<string, unknown>, own?: Record<string, unknown>) => BisectVariant[];
  /** Counters and gauges the probe declares in its own block, added to the kind's. */
  metricsFor?: (own: Record<string, unknown>) => DeclaredMetrics;
  /** The venue named in the probe's own block (`simulator: binance`), else `venue`. */
  venueFor?: (own: Record<string, unknown>) => string | undefined;
  /**
   * What the leak trend is judged on: the post-GC heap floor (default), or RSS for a program
   * whose heap exsoak cannot see (its RSS is its own, so attribution stays exact).
   */
  leakSeries?: (own: Record<string, unknown>) => 'heap_floor' | 'rss';
}

/** How the scenario loader validates a kind's probe block (src/probes/validation/). */
export interface ProbeKindValidation {
  /** Validates the probe's `options:` block; the parsed output is what the worker receives. */
  optionsSchema: z.ZodType;
  /**
   * Keys of the probe's block beyond the common ones (`module:`, `command:`, …), validated here;
   * a kind without it accepts none. The parsed result is the probe's `own` block.
   */
  specSchema?: z.ZodType;
  /**
   * Checks that need the scenario's folder (a module file exists, a command is on PATH); throws
   * an Error whose message names the key and what was expected (exit 2, nothing started). What it
   * returns, if anything, replaces the `own` block (e.g. with a path resolved against `baseDir`).
   */
  check?: (own: Record<string, unknown>, ctx: { file: string; baseDir: string }) => Record<string, unknown> | void;
}

interface StartedSimulator {
  endpoints: Record<string, string>;
  close(): Promise<void>;
}

/** An exchange: its simulator (target sim) and its real endpoints (target live). */
export interface VenueDescriptor {
  name: string;
  /**
   * Endpoint names in the order `exsoak sim NAME` prints them on its first line; with the env
   * variable each is exported as to a process probe.
   */
  endpoints: readonly { key: string; env: string; meaning: string }[];
  live: Record<string, string>;
  /** The endpoints of a simulator reached at `http(s)://authority` / `ws(s)://authority`. */
  endpointsAt(http: string, ws: string): Record<string, string>;
  /** Runs the simulator in this process (what `exsoak sim NAME` does). */
  startSimulator(options: Record<string, unknown>): Promise<StartedSimulator>;
  /**
   * Refuses a live run this venue must not get (message for exit 2), before any request leaves
   * the machine; `probes` are the probe names that would go live.
   */
  checkLive?(ctx: { probes: string[]; allowMainnet: boolean; env: NodeJS.ProcessEnv }): string | undefined;
}
