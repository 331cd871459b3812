// `exsoak run <scenario...>`
import type { CommandModule } from 'yargs';
import { loadScenarios } from '../scenario/load.ts';
import { parseByteRate, parseDuration, UnitError } from '../shared/units.ts';
import { checkTargetSafety } from '../scenario/safety.ts';
import { MetricsHostError, resolveMetricsHost } from '../metrics/bind.ts';
import { UsageError } from './errors.ts';
import { supervise } from './supervise.ts';
import type { RunPlan } from './plan.ts';
import { canHandOff, handOff } from './handoff.ts';
import { checkConclusiveDuration } from './duration-check.ts';
import { requireProbeKind } from '../probes/index.ts';

interface RunArgs {
  scenario: string[];
  duration?: string;
  'sample-interval'?: string;
  'report-every'?: string;
  'log-level': string;
  out?: string;
  overwrite: boolean;
  'metrics-port'?: number;
  'metrics-host'?: string;
  junit?: string;
  'summary-export'?: string;
  target?: 'sim' | 'live';
  'allow-mainnet': boolean;
  'allow-inconclusive': boolean;
  'inject-leak': string[];
  seed?: string | string[];
  json: boolean;
  progress: boolean;
}

function flagDuration(flag: string, value: string | string[] | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new UsageError(`--${flag}: given ${value.length} times; expected once`);
  try {
    const ms = parseDuration(value);
    if (ms <= 0) throw new UnitError(`expected a positive duration, got "${value}"`);
    return ms;
  } catch (err) {
    throw new UsageError(`--${flag}: ${(err as Error).message}`);
  }
}

function flagSeed(seed: string | string[] | undefined): number | undefined {
  if (seed === undefined) return undefined;
  if (Array.isArray(seed)) throw new UsageError(`--seed: given ${seed.length} times; expected once`);
  const n = Number(seed);
  // "abc", "1.5" and "1e400" would otherwise reach run.json as null or a float.
  if (!/^-?\d+$/.test(String(seed).trim()) || !Number.isSafeInteger(n)) throw new UsageError(`--seed: expected a whole number, got "${seed}"`);
  return n;
}

function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof MetricsHostError) throw new UsageError(err.message);
    throw err;
  }
}

/** `injectable`: the probes whose runtime can retain memory on demand (worker-thread probes). */
function parseInjectLeaks(values: string[], probes: string[], injectable: string[]): Record<string, number> {
  const leaks: Record<string, number> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UsageError(`--inject-leak: expected PROBE=RATE like "binance=200KB/min", got "${value}"`);
    const probe = value.slice(0, eq);
    if (!probes.includes(probe)) {
      throw new UsageError(`--inject-leak: no probe named "${probe}" in the scenario (probes: ${probes.join(', ')})`);
    }
    if (!injectable.includes(probe)) {
      throw new UsageError(`--inject-leak: "${probe}" runs as its own process: exsoak cannot make it retain memory (worker probes that can: ${injectable.join(', ') || 'none'}); give the program its own leak switch`);
    }
    try {
      leaks[probe] = parseByteRate(value.slice(eq + 1));
    } catch (err) {
      throw new UsageError(`--inject-leak: ${(err as Error).message}`);
    }
  }
  return leaks;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <scenario...>',
  describe: 'Run one or more scenarios in parallel in one supervisor',
  builder: (y) =>
    y
      .positional('scenario', { type: 'string', array: true, demandOption: true, describe: 'scenario files (YAML or JSON)' })
      .option('duration', { type: 'string', describe: 'override the scenario duration, e.g. 2m' })
      .option('sample-interval', { type: 'string', describe: 'override the sample interval, e.g. 1s' })
      .option('report-every', { type: 'string', describe: 'periodic report (reports.ndjson, log, terminal) every D, e.g. 30s (default: the scenario\'s report.every, scaled when --duration compresses the run)' })
      .option('log-level', { choices: ['error', 'warn', 'info', 'debug'] as const, default: 'info', describe: 'level of log.ndjson (debug adds the probes\' debug lines)' })
      .option('out', { type: 'string', describe: 'results folder (default results/<scenario>-<time>/); must be empty' })
      .option('overwrite', { type: 'boolean', default: false, describe: 'empty a results folder given with --out before reusing it' })
      .option('metrics-port', { type: 'number', describe: 'Prometheus /metrics port on 127.0.0.1 (0 disables)' })
      .option('metrics-host', { type: 'string', describe: 'listen for /metrics beyond loopback, e.g. 0.0.0.0 (needed for metrics.host too; prints a warning)' })
      .option('target', { choices: ['sim', 'live'] as const, describe: 'local simulators (default) or the real exchanges' })
      .option('allow-mainnet', { type: 'boolean', default: false, describe: 'consent to real-money Bitunix mainnet with --target live' })
      .option('allow-inconclusive', { type: 'boolean', default: false, describe: 'run even when --duration is too short for the leak check to conclude' })
      .option('inject-leak', { type: 'string', array: true, default: [], describe: 'PROBE=RATE: make a probe retain heap, e.g. binance=200KB/min' })
      .option('junit', { type: 'string', describe: 'also write the JUnit XML verdict here (always in the results folder as junit.xml)' })
      .option('summary-export', { type: 'string', describe: 'also write the k6-style JSON summary here (always in the results folder as summary.json)' })
      .option('seed', { type: 'string', describe: 'seed for simulators and jitter' })
      .option('json', { type: 'boolean', default: false, describe: 'print verdict.json as the only thing on stdout' })
      .option('progress', { type: 'boolean', default: true, describe: 'live progress on stderr (--no-progress to hide)' })
      .example('exsoak run scenarios/quick.yaml', 'a short parallel soak against the embedded simulators')
      .example('exsoak run scenarios/binance-24h.yaml --duration 2m', 'the 24 h scenario, compressed')
      .example('exsoak run scenarios/bitunix-8h.yaml --duration 2m --report-every 15s --no-progress', 'the 8 h executor test, compressed; reports.ndjson every 15 s')
      .example('exsoak run scenarios/quick.yaml --inject-leak leaky=1MB/min --json', 'calibrate the detector'),
  handler: async (args) => {
    const loaded = loadScenarios(args.scenario, {
      duration: flagDuration('duration', args.duration),
      sampleInterval: flagDuration('sample-interval', args['sample-interval']),
      target: args.target,
      seed: flagSeed(args.seed),
      metricsPort: args['metrics-port'],
      reportEvery: flagDuration('report-every', args['report-every']),
    });
    checkConclusiveDuration(loaded, { flag: args.duration, allow: args['allow-inconclusive'], out: process.stderr });
    const injectLeaks = parseInjectLeaks(
      args['inject-leak'],
      loaded.probes.map((p) => p.name),
      loaded.probes.filter((p) => requireProbeKind(p.kind).runner.type === 'worker').map((p) => p.name),
    );
    checkTargetSafety(loaded, { allowMainnet: args['allow-mainnet'], env: process.env });
    if (loaded.scenario.metrics.port !== 0) {
      const bind = guard(() => resolveMetricsHost({ scenarioHost: loaded.scenario.metrics.host, flagHost: args['metrics-host'], file: loaded.files[0] }));
      if (bind.warning) process.stderr.write(`exsoak: ${bind.warning}\n`);
    }

    const plan: RunPlan = {
      loaded,
      out: args.out,
      overwrite: args.overwrite,
      injectLeaks,
      progress: args.progress,
      logLevel: args['log-level'],
      metricsHost: args['metrics-host'],
      junit: args.junit,
      summaryExport: args['summary-export'],
      json: args.json,
      // The early signals are taken by supervise once its own listeners are attached (handOff
      // copies them into the plan): Node drops a signal pending while nothing listens.
      signals: [],
    };
    await supervise(canHandOff() ? await handOff(plan) : plan);
  },
};
