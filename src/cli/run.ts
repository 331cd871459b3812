// `exsoak run <scenario...>`
import type { CommandModule } from 'yargs';
import { loadScenarios } from '../scenario/load.ts';
import { parseByteRate, parseDuration, UnitError } from '../shared/units.ts';
import { runSoak } from '../supervisor/run.ts';
import { checkTargetSafety } from '../scenario/safety.ts';
import { ResultsWriteError } from '../results/files.ts';
import { MetricsPortError } from '../metrics/server.ts';
import { MetricsHostError, resolveMetricsHost } from '../metrics/bind.ts';
import { EXIT, UsageError } from './errors.ts';
import { checkConclusiveDuration } from './duration-check.ts';

interface RunArgs {
  scenario: string[];
  duration?: string;
  'sample-interval'?: string;
  out?: string;
  'metrics-port'?: number;
  'metrics-host'?: string;
  junit?: string;
  'summary-export'?: string;
  target?: 'sim' | 'live';
  'allow-mainnet': boolean;
  'allow-inconclusive': boolean;
  'inject-leak': string[];
  seed?: number;
  json: boolean;
  progress: boolean;
}

function flagDuration(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    const ms = parseDuration(value);
    if (ms <= 0) throw new UnitError(`expected a positive duration, got "${value}"`);
    return ms;
  } catch (err) {
    throw new UsageError(`--${flag}: ${(err as Error).message}`);
  }
}

function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof MetricsHostError) throw new UsageError(err.message);
    throw err;
  }
}

function parseInjectLeaks(values: string[], probes: string[]): Record<string, number> {
  const leaks: Record<string, number> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new UsageError(`--inject-leak: expected PROBE=RATE like "binance=200KB/min", got "${value}"`);
    const probe = value.slice(0, eq);
    if (!probes.includes(probe)) {
      throw new UsageError(`--inject-leak: no probe named "${probe}" in the scenario (probes: ${probes.join(', ')})`);
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
      .option('out', { type: 'string', describe: 'results folder (default results/<scenario>-<time>/)' })
      .option('metrics-port', { type: 'number', describe: 'Prometheus /metrics port on 127.0.0.1 (0 disables)' })
      .option('metrics-host', { type: 'string', describe: 'listen for /metrics beyond loopback, e.g. 0.0.0.0 (needed for metrics.host too; prints a warning)' })
      .option('target', { choices: ['sim', 'live'] as const, describe: 'local simulators (default) or the real exchanges' })
      .option('allow-mainnet', { type: 'boolean', default: false, describe: 'consent to real-money Bitunix mainnet with --target live' })
      .option('allow-inconclusive', { type: 'boolean', default: false, describe: 'run even when --duration is too short for the leak check to conclude' })
      .option('inject-leak', { type: 'string', array: true, default: [], describe: 'PROBE=RATE: make a probe retain heap, e.g. binance=200KB/min' })
      .option('junit', { type: 'string', describe: 'also write the JUnit XML verdict here (always in the results folder as junit.xml)' })
      .option('summary-export', { type: 'string', describe: 'also write the k6-style JSON summary here (always in the results folder as summary.json)' })
      .option('seed', { type: 'number', describe: 'seed for simulators and jitter' })
      .option('json', { type: 'boolean', default: false, describe: 'print verdict.json as the only thing on stdout' })
      .option('progress', { type: 'boolean', default: true, describe: 'live progress on stderr (--no-progress to hide)' })
      .example('exsoak run scenarios/quick.yaml', 'a short parallel soak against the embedded simulators')
      .example('exsoak run scenarios/binance-24h.yaml --duration 2m', 'the 24 h scenario, compressed')
      .example('exsoak run scenarios/quick.yaml --inject-leak leaky=1MB/min --json', 'calibrate the detector'),
  handler: async (args) => {
    const loaded = loadScenarios(args.scenario, {
      duration: flagDuration('duration', args.duration),
      sampleInterval: flagDuration('sample-interval', args['sample-interval']),
      target: args.target,
      seed: args.seed,
      metricsPort: args['metrics-port'],
    });
    checkConclusiveDuration(loaded, { flag: args.duration, allow: args['allow-inconclusive'], out: process.stderr });
    const injectLeaks = parseInjectLeaks(args['inject-leak'], loaded.probes.map((p) => p.name));
    checkTargetSafety(loaded, { allowMainnet: args['allow-mainnet'], env: process.env });
    if (loaded.scenario.metrics.port !== 0) {
      const bind = guard(() => resolveMetricsHost({ scenarioHost: loaded.scenario.metrics.host, flagHost: args['metrics-host'], file: loaded.files[0] }));
      if (bind.warning) process.stderr.write(`exsoak: ${bind.warning}\n`);
    }

    const controller = new AbortController();
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        process.stderr.write(`\nexsoak: second ${signal}: exiting at once\n`);
        process.exit(EXIT.interrupted);
      }
      process.stderr.write(`\nexsoak: ${signal}: stopping the probes and writing the results (again to exit at once)\n`);
      controller.abort(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const color = !!process.stderr.isTTY && !process.env.NO_COLOR;
    try {
      const outcome = await runSoak({
        loaded,
        out: args.out,
        injectLeaks,
        progress: args.progress,
        stderrLevel: 'info',
        color,
        interrupt: controller.signal,
        summaryOut: process.stderr,
        metricsHost: args['metrics-host'],
        junit: args.junit,
        summaryExport: args['summary-export'],
      });
      if (args.json) process.stdout.write(JSON.stringify(outcome.verdict, null, 2) + '\n');
      process.exitCode = outcome.exitCode;
    } catch (err) {
      if (err instanceof ResultsWriteError || err instanceof MetricsPortError || err instanceof MetricsHostError) throw new UsageError(err.message);
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
