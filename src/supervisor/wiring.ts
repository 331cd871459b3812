// The consumers of one run's bus, created in one place: results files, the verdict engine, the
// log, progress, snapshots, the final outputs and the terminal summary. None of them knows the
// others; what one must trigger in another (an abort takes a snapshot, then stops the run) goes
// through the callbacks the lifecycle (run.ts) hands in.
import path from 'node:path';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.ts';
import type { LoadedScenario } from '../scenario/load.ts';
import { VerdictEngine, type Breach } from '../verdict/engine.ts';
import type { LeakReport } from '../bus/verdict.ts';
import { ResultsWriter } from '../results/writer.ts';
import { createLogger } from '../results/log.ts';
import { FinalOutputs } from '../results/outputs.ts';
import { Progress } from '../progress/progress.ts';
import { printSummaryOnVerdict } from '../progress/summary.ts';
import { SnapshotTaker, type SnapshotHost } from '../snapshot/taker.ts';
import { PeriodicReporter } from '../results/periodic-report.ts';
import { printReportsOn } from '../progress/report-block.ts';
import { formatReportLine } from '../bus/report.ts';
import { requireProbeKind } from '../probes/index.ts';
import { floorCadenceMs } from '../scenario/compress.ts';
import { cleanLevel } from '../shared/untrusted.ts';

export interface WiringOptions {
  bus: Bus;
  dir: string;
  loaded: LoadedScenario;
  startedAt: number;
  runInfo: Record<string, unknown>;
  /** --junit FILE, --summary-export FILE. */
  exports?: { junit?: string; summaryExport?: string };
  hosts: () => SnapshotHost[];
  progress?: boolean;
  /** Where the terminal summary goes when the verdict arrives (none: not printed). */
  summaryOut?: NodeJS.WritableStream;
  stderrLevel?: string;
  /** Level of log.ndjson (default info). */
  logLevel?: string;
  color?: boolean;
  /** A consumer could not write: the run must stop with exit 3. */
  onInternalError(err: Error): void;
  onBreach(breach: Breach, engine: VerdictEngine): void;
  onLeak(probe: string, report: LeakReport): void;
}

export interface Consumers {
  log: Logger;
  verdict: VerdictEngine;
  snapshots: SnapshotTaker;
  progress?: Progress;
  outputs: FinalOutputs;
  /** Flushes and closes what holds files open. */
  close(): void;
}

export function wireConsumers(opts: WiringOptions): Consumers {
  const { bus, dir, loaded, startedAt } = opts;
  const { scenario, probes } = loaded;
  const log = createLogger({
    file: path.join(dir, 'log.ndjson'),
    stderrLevel: opts.stderrLevel,
    fileLevel: opts.logLevel,
    color: opts.color,
    onWriteError: (err) => {
      log.error(`${err.message}; stopping the probes`);
      opts.onInternalError(err);
    },
  });
  const writer = new ResultsWriter(dir, bus, probes.map((p) => p.name), (err) => {
    log.error({ err: err.message }, `results could not be written: ${err.message}; stopping the probes`);
    opts.onInternalError(err);
  });
  const verdict: VerdictEngine = new VerdictEngine({
    bus,
    probes: probes.map((p) => ({ name: p.name, kind: p.kind, thresholds: p.spec.thresholds, metrics: p.metrics, leakSeries: requireProbeKind(p.kind).leakSeries?.(p.own), failOnFatal: p.spec.failOnFatal })),
    process: scenario.process.thresholds,
    startedAt,
    leak: {
      warmupMs: scenario.leak.warmup,
      budgetBytes: scenario.leak.budget,
      minGrowthBytes: scenario.leak.minGrowth,
      nominalMs: scenario.nominalDuration ?? scenario.duration,
      alpha: scenario.leak.alpha,
      confirmations: scenario.leak.confirmations,
      maxPoints: scenario.leak.maxPoints,
      cadenceMs: floorCadenceMs(scenario),
      failOnConfirmed: scenario.leak.failOnConfirmed,
      abortOnConfirmed: scenario.leak.abortOnConfirmed,
    },
    maxUnresponsiveShare: scenario.maxUnresponsiveShare,
    onAbort: (breach) => {
      log.error(`threshold "${breach.criterion.expr}" failed for ${breach.scope} (value ${breach.criterion.value}): aborting`);
      opts.onBreach(breach, verdict);
    },
    onLeak: (probe, report) => {
      log.error(`leak confirmed in ${probe}: ${report.slopeMbPerH} MB/h [${report.lowMbPerH}, ${report.highMbPerH}], p=${report.pValue}`);
      opts.onLeak(probe, report);
    },
  });
  const progress = opts.progress
    ? new Progress({ bus, out: process.stderr, durationMs: scenario.duration, startedAt, everyMs: progressEvery(scenario.duration), color: opts.color ?? false })
    : undefined;
  const snapshots = new SnapshotTaker({
    dir,
    bus,
    hosts: opts.hosts,
    settings: {
      max: scenario.snapshots.max,
      minIntervalMs: scenario.snapshots.minInterval,
      secondAfterMs: scenario.snapshots.secondAfter,
      nearLimitRatio: scenario.snapshots.nearLimitRatio,
    },
  });
  const outputs = new FinalOutputs({
    bus,
    dir,
    run: { info: opts.runInfo, ...opts.exports },
    onError: (file, err) => log.error(`could not write ${file}: ${err.message}`),
  });
  // Before the summary's listener: the final report comes at run:end, the summary at the verdict.
  const reporter = new PeriodicReporter({
    bus,
    dir,
    scenario: scenario.name,
    startedAt,
    durationMs: scenario.duration,
    nominalMs: scenario.nominalDuration ?? scenario.duration,
    everyMs: scenario.report?.every ?? scenario.duration,
    probes: probes.map((p) => ({ name: p.name, kind: p.kind, metrics: p.metrics })),
    onError: (err) => log.error(`could not write reports.ndjson: ${err.message}`),
  });
  if (opts.summaryOut) {
    printReportsOn(bus, opts.summaryOut);
    printSummaryOnVerdict(bus, opts.summaryOut, { dir, color: opts.color ?? false });
  }
  wireLog(bus, log);
  return {
    log,
    verdict,
    snapshots,
    progress,
    outputs,
    close: () => {
      writer.close();
      reporter.finish(Date.now());
    },
  };
}

function wireLog(bus: Bus, log: Logger): void {
  // The level is checked where a probe's line comes in (probe-input.ts); checked again here, since a
  // `log['warning']` that is not a function ended the run with a TypeError (#26.4).
  bus.on('log', (entry) => log[cleanLevel(entry.level).level]({ probe: entry.probe, ...entry.data }, entry.msg));
  // Every event is in events.ndjson already: the log carries only those a reader must not miss.
  bus.on('event', (event) => {
    const level = event.kind === 'crash' || event.kind === 'breach' ? 'error' : event.kind === 'unresponsive' ? 'warn' : undefined;
    if (level) log[level]({ probe: event.probe, event: event.kind, ...event.data }, `${event.kind}${event.data ? ' ' + JSON.stringify(event.data) : ''}`);
    // A leak confirmed earlier whose growth then stopped: the reader of the early line must see this one too.
    if (event.kind === 'leak' && event.data?.status === 'bounded') log.info({ probe: event.probe, event: 'leak', status: 'bounded' }, `leak in ${event.probe} is bounded: ${String(event.data.reason)}`);
  });
  // The figures are in reports.ndjson; the terminal shows a block of its own (progress/report-block.ts).
  bus.on('report', (report) => log.info({ stderr: false }, formatReportLine(report)));
}

/** Off a TTY, a summary line often enough to follow, rarely enough for an 8 h log. */
function progressEvery(durationMs: number): number {
  if (durationMs >= 4 * 3_600_000) return 3_600_000;
  if (durationMs >= 3_600_000) return 300_000;
  return Math.max(10_000, Math.round(durationMs / 6));
}
