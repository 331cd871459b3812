// The second half of `exsoak run`: a scenario already loaded and checked, run to its verdict.
// `exsoak run` parses its flags and scenario files (yargs, yaml, zod) and then execs into this
// module with the resolved plan (handoff.ts), so the process that supervises for hours holds
// none of those libraries (~20 MB of RSS, measured by `npm run bench -- --suite footprint`).
// Nothing it imports at run time may import them (a type import is free):
// test/e2e/lean-supervisor.test.ts records what this image loads.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runSoak } from '../supervisor/run.ts';
import { maskSecrets, redactSecretFields } from '../shared/secrets.ts';
import { maskProcessOutput } from '../shared/secret-stream.ts';
import { ResultsWriteError } from '../results/files.ts';
import { MetricsPortError } from '../metrics/server.ts';
import { MetricsHostError } from '../metrics/bind.ts';
import { takeEarlySignals } from '../shared/early-signals.ts';
import { EXIT, reportFailure, UsageError } from './errors.ts';
import { VERSION } from './version.ts';
import { decodePlan, type RunPlan } from './plan.ts';

/** Runs the plan in this process: signals stop it gracefully (twice: at once); sets the exit code. */
export async function supervise(plan: RunPlan): Promise<void> {
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
  for (const signal of [...plan.signals, ...takeEarlySignals()]) onSignal(signal);
  const color = !!process.stderr.isTTY && !process.env.NO_COLOR;
  // A module probe's console output reaches this process's stdout/stderr directly.
  maskProcessOutput();
  try {
    const outcome = await runSoak({
      loaded: plan.loaded,
      out: plan.out,
      overwrite: plan.overwrite,
      injectLeaks: plan.injectLeaks,
      progress: plan.progress,
      stderrLevel: 'info',
      logLevel: plan.logLevel,
      color,
      interrupt: controller.signal,
      summaryOut: process.stderr,
      metricsHost: plan.metricsHost,
      junit: plan.junit,
      summaryExport: plan.summaryExport,
      version: VERSION,
    });
    if (plan.json) process.stdout.write(maskSecrets(JSON.stringify(redactSecretFields(outcome.verdict), null, 2)) + '\n');
    process.exitCode = outcome.exitCode;
  } catch (err) {
    if (err instanceof ResultsWriteError || err instanceof MetricsPortError || err instanceof MetricsHostError) throw new UsageError(err.message);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The entry after the exec (bin/exsoak.js): reads the plan, removes its file, runs it. */
export async function superviseFromFile(file: string): Promise<void> {
  let plan: RunPlan;
  try {
    plan = decodePlan(readFileSync(file));
  } finally {
    rmSync(path.dirname(file), { recursive: true, force: true });
  }
  try {
    await supervise(plan);
  } catch (err) {
    takeEarlySignals();
    reportFailure(err);
  }
}
