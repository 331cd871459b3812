// `import { soak } from 'exsoak'`: a soak from the user's own test runner (node:test, vitest,
// jest), as the 24 h soak was a pytest test. Resolves to the verdict, the same object as
// verdict.json; rejects only when the scenario is invalid or the run could not start.
import path from 'node:path';
import { loadScenarios, ScenarioError, type Overrides } from './scenario/load.ts';
import { checkTargetSafety } from './scenario/safety.ts';
import { runSoak } from './supervisor/run.ts';
import { parseDuration } from './shared/units.ts';
import type { Verdict } from './bus/verdict.ts';

export type { Verdict, ProbeVerdict, Criterion, LeakReport, LeakStatus, Culprit, ProcessLeak } from './bus/verdict.ts';
export { ScenarioError } from './scenario/load.ts';

export interface SoakOptions {
  /** Folder that a scenario object's relative paths (`module:`) resolve against; default the working directory. */
  baseDir?: string;
  /** Results folder (default `results/<scenario>-<time>/` under the working directory). */
  out?: string;
  /** Overrides the scenario's duration: "30s", "2m" or ms. */
  duration?: string | number;
  sampleInterval?: string | number;
  target?: 'sim' | 'live';
  seed?: number;
  /** The /metrics port; default 0 (none), so soaks in parallel test files never clash. */
  metricsPort?: number;
  /** Consent to real-money Bitunix mainnet with target live (as --allow-mainnet). */
  allowMainnet?: boolean;
  /** Level of exsoak's log lines on stderr: default "warn"; "silent" for none. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Stops the run gracefully (results still written; the verdict's reason is "interrupted"). */
  signal?: AbortSignal;
}

function ms(value: string | number | undefined, key: string): number | undefined {
  if (value === undefined || typeof value === 'number') return value;
  try {
    return parseDuration(value);
  } catch (err) {
    throw new ScenarioError(`soak(): ${key}: ${(err as Error).message}`);
  }
}

/** Runs a scenario (a YAML/JSON file path, or the scenario as an object) and resolves to its verdict. */
export async function soak(scenario: string | Record<string, unknown>, opts: SoakOptions = {}): Promise<Verdict> {
  const overrides: Overrides = {
    duration: ms(opts.duration, 'duration'),
    sampleInterval: ms(opts.sampleInterval, 'sampleInterval'),
    target: opts.target,
    seed: opts.seed,
    metricsPort: opts.metricsPort ?? 0,
  };
  const source =
    typeof scenario === 'string'
      ? scenario
      : { document: scenario, label: `soak(${typeof scenario.name === 'string' ? scenario.name : 'scenario'})`, baseDir: path.resolve(opts.baseDir ?? process.cwd()) };
  const loaded = loadScenarios([source], overrides);
  checkTargetSafety(loaded, { allowMainnet: opts.allowMainnet ?? false, env: process.env });
  const outcome = await runSoak({ loaded, out: opts.out, progress: false, stderrLevel: opts.logLevel ?? 'warn', interrupt: opts.signal });
  return outcome.verdict;
}
