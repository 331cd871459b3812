// A soak run from start to verdict: results folder, consumers on the bus, simulators, one
// pool per probe, the sampler, then a graceful stop and every file written — also when the
// run is aborted by a threshold, interrupted by a signal, or a probe crashes.
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { Bus } from '../bus/bus.ts';
import type { RunEnd } from '../bus/types.ts';
import type { LoadedScenario } from '../scenario/load.ts';
import { probeKind } from '../scenario/probes/index.ts';
import { parseByteRate } from '../scenario/units.ts';
import { Sampler } from '../sampling/sampler.ts';
import { VerdictEngine, type Verdict } from '../verdict/engine.ts';
import { ResultsWriter } from '../results/writer.ts';
import { createRunDir, writeJsonAtomic } from '../results/files.ts';
import { createLogger } from '../results/log.ts';
import { writeReport } from '../results/report.ts';
import { startMetrics } from '../metrics/server.ts';
import { Progress } from '../progress/progress.ts';
import { ProbeHost } from './probe-host.ts';
import { SnapshotTaker } from '../snapshot/taker.ts';
import { LIVE_ENDPOINTS } from './endpoints.ts';
import { redactScenario, scenarioSecrets } from './redact.ts';
import { externalSimulator, simulatorRecord, startSimulator, type RunningSimulator, type SimulatorName } from './simulators.ts';

export interface RunOptions {
  loaded: LoadedScenario;
  out?: string;
  resultsBase?: string;
  /** probe name -> bytes per second (from --inject-leak). */
  injectLeaks?: Record<string, number>;
  progress?: boolean;
  /** Level of the human log lines on stderr. */
  stderrLevel?: string;
  color?: boolean;
  /** Aborted on SIGINT/SIGTERM: stop gracefully and write everything. */
  interrupt?: AbortSignal;
  version?: string;
}

export interface RunOutcome {
  verdict: Verdict;
  dir: string;
  exitCode: 0 | 1 | 3 | 130;
}

export async function runSoak(opts: RunOptions): Promise<RunOutcome> {
  const { scenario, probes } = opts.loaded;
  const bus = new Bus();
  // First, before any file or thread: a port in use must mean nothing was started.
  const metrics = await startMetrics({ bus, host: scenario.metrics.host, port: scenario.metrics.port });
  let dir: string;
  try {
    dir = createRunDir({ out: opts.out, base: opts.resultsBase, scenario: scenario.name });
  } catch (err) {
    await metrics?.close();
    throw err;
  }
  const log = createLogger({ file: path.join(dir, 'log.ndjson'), stderrLevel: opts.stderrLevel, color: opts.color });
  const startedAt = Date.now();
  const runInfo = {
    scenario: scenario.name,
    files: opts.loaded.files,
    startedAt: new Date(startedAt).toISOString(),
    endedAt: null as string | null,
    versions: { exsoak: opts.version ?? 'dev', node: process.version, v8: process.versions.v8 },
    host: { hostname: os.hostname(), platform: process.platform, arch: process.arch, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, totalMemory: os.totalmem() },
    resolved: redactScenario(scenario),
    injectLeaks: opts.injectLeaks ?? {},
  };
  writeJsonAtomic(path.join(dir, 'run.json'), runInfo);

  let stopRequested: ((end: Omit<RunEnd, 't'>) => void) | undefined;
  const stopSignal = new Promise<Omit<RunEnd, 't'>>((resolve) => (stopRequested = resolve));
  const requestStop = (end: Omit<RunEnd, 't'>) => stopRequested?.(end);

  let internalError: Error | undefined;
  const writer = new ResultsWriter(dir, bus, probes.map((p) => p.name), (err) => {
    internalError = err;
    log.error({ err: err.message }, `results could not be written: ${err.message}; stopping the probes`);
    requestStop({ reason: 'error', detail: err.message });
  });
  const verdictEngine = new VerdictEngine({
    bus,
    probes: probes.map((p) => ({ name: p.name, kind: p.kind, thresholds: p.spec.thresholds })),
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
      failOnConfirmed: scenario.leak.failOnConfirmed,
    },
    onAbort: (breach) => {
      log.error(`threshold "${breach.criterion.expr}" failed for ${breach.scope} (value ${breach.criterion.value}): aborting`);
      // The evidence first: a snapshot of the offending worker while it still has the leak.
      const offender = breach.scope === 'process' ? largestHeap(hosts, verdictEngine) : breach.scope;
      const evidence = offender ? snapshots.capture(offender, `breach: ${breach.criterion.expr}`) : Promise.resolve(undefined);
      void evidence.finally(() => requestStop({ reason: 'aborted', detail: `${breach.scope}: ${breach.criterion.expr}` }));
    },
    onLeak: (probe, report) => {
      log.error(`leak confirmed in ${probe}: ${report.slopeMbPerH} MB/h [${report.lowMbPerH}, ${report.highMbPerH}], p=${report.pValue}`);
      void snapshots.onLeak(probe);
    },
  });
  const progress = opts.progress
    ? new Progress({ bus, out: process.stderr, durationMs: scenario.duration, startedAt, everyMs: progressEvery(scenario.duration), color: opts.color ?? false })
    : undefined;
  wireLog(bus, log);

  const hosts: ProbeHost[] = [];
  const snapshots = new SnapshotTaker({
    dir,
    bus,
    hosts: () => hosts,
    secrets: scenarioSecrets(scenario),
    settings: {
      max: scenario.snapshots.max,
      minIntervalMs: scenario.snapshots.minInterval,
      secondAfterMs: scenario.snapshots.secondAfter,
      nearLimitRatio: scenario.snapshots.nearLimitRatio,
    },
  });
  const sims: RunningSimulator[] = [];
  const timers: NodeJS.Timeout[] = [];
  const reportIntervalMs = Math.min(scenario.sampleInterval, 1000);
  const sampler = new Sampler(hosts, bus, scenario.sampleInterval, reportIntervalMs);
  const onInterrupt = () => requestStop({ reason: 'interrupted', detail: 'signal' });
  opts.interrupt?.addEventListener('abort', onInterrupt, { once: true });
  if (opts.interrupt?.aborted) onInterrupt();

  let end: Omit<RunEnd, 't'> = { reason: 'completed' };
  try {
    const endpoints = await resolveEndpoints(opts.loaded, sims, log);
    log.info(`run ${scenario.name}: ${probes.length} probe(s) for ${scenario.duration / 1000} s, results in ${dir}`);
    if (metrics) log.info(`metrics at ${metrics.url}`);
    bus.emit('run:start', {
      scenario: scenario.name,
      startedAt,
      durationMs: scenario.duration,
      nominalDurationMs: scenario.nominalDuration ?? scenario.duration,
      sampleIntervalMs: scenario.sampleInterval,
      probes: probes.map((p) => ({ name: p.name, kind: p.kind })),
    });
    for (const probe of probes) {
      const leak = opts.injectLeaks?.[probe.name] ?? (probe.spec.injectLeak ? parseByteRate(probe.spec.injectLeak) : 0);
      const host = new ProbeHost({
        name: probe.name,
        kind: probe.kind,
        bus,
        resourceLimits: probe.spec.resourceLimits,
        task: {
          options: probe.options,
          target: scenario.target,
          endpoints: endpoints[probe.kind] ?? {},
          reportIntervalMs,
          gcFloorIntervalMs: scenario.gcFloorInterval,
          injectLeakBytesPerSec: leak,
          seed: scenario.seed,
        },
      });
      hosts.push(host);
      if (probe.spec.startDelay > 0) timers.push(setTimeout(() => host.start(), probe.spec.startDelay));
      else host.start();
    }
    bus.on('event', (event) => {
      if ((event.kind === 'crash' || event.kind === 'exit') && hosts.every((h) => !h.alive && h.status !== 'pending')) {
        requestStop({ reason: 'completed', detail: 'every probe has ended' });
      }
    });
    sampler.start();
    timers.push(setTimeout(() => requestStop({ reason: 'completed' }), scenario.duration));
    end = await stopSignal;
  } catch (err) {
    internalError = err as Error;
    end = { reason: 'error', detail: (err as Error).message };
    log.error({ err: (err as Error).stack }, `run failed: ${(err as Error).message}`);
  }

  // Stop: one last sample so the verdict sees the final state, then the probes, then the sims.
  for (const timer of timers) clearTimeout(timer);
  opts.interrupt?.removeEventListener('abort', onInterrupt);
  if (hosts.some((h) => h.alive)) await sampler.tick();
  await sampler.stop();
  await snapshots.finish();
  await Promise.all(hosts.map((h) => h.stop(end.reason, scenario.stopGrace)));
  // What the simulators did, read once the probes are gone (so it is final) and before they stop:
  // the record a run's counters are reconciled against (fault log, messages sent, orders open).
  if (sims.length > 0) {
    const records = await Promise.all(sims.map(async (s) => [s.name, await simulatorRecord(s)] as const));
    try {
      writeJsonAtomic(path.join(dir, 'simulators.json'), Object.fromEntries(records));
    } catch (err) {
      internalError ??= err as Error;
      log.error(`could not write simulators.json: ${(err as Error).message}`);
    }
  }
  await Promise.all(sims.map((s) => s.stop()));
  const endedAt = Date.now();
  bus.emit('run:end', { t: endedAt, ...end });
  progress?.finish();
  await metrics?.close();

  const verdict = verdictEngine.verdict(scenario.name, end.reason, endedAt);
  for (const [probe, rows] of snapshots.diffs) if (verdict.probes[probe]) verdict.probes[probe].snapshotDiff = rows;
  // What holds the growth, by retainer path: `probes.NAME.leak.culprits` (contract, wave 2).
  for (const [probe, culprits] of snapshots.culprits) if (verdict.probes[probe]?.leak) Object.assign(verdict.probes[probe].leak, { culprits });
  runInfo.endedAt = new Date(endedAt).toISOString();
  const files: [string, () => void][] = [
    ['verdict.json', () => writeJsonAtomic(path.join(dir, 'verdict.json'), verdict)],
    ['run.json', () => writeJsonAtomic(path.join(dir, 'run.json'), { ...runInfo, end })],
    ['report.html', () => writeReport(dir, { verdict, run: { ...runInfo, end } })],
  ];
  for (const [name, write] of files) {
    try {
      write();
    } catch (err) {
      internalError ??= err as Error;
      log.error(`could not write ${name}: ${(err as Error).message}`);
    }
  }
  writer.close();
  log.info(`verdict: ${verdict.pass ? 'PASS' : 'FAIL'} (${dir})`);
  log.flush();

  const exitCode = end.reason === 'interrupted' ? 130 : internalError ? 3 : verdict.pass ? 0 : 1;
  return { verdict, dir, exitCode };
}

async function resolveEndpoints(loaded: LoadedScenario, sims: RunningSimulator[], log: Logger) {
  const { scenario, probes } = loaded;
  const endpoints: Record<string, Record<string, string>> = {};
  const needed = new Set<SimulatorName>();
  for (const probe of probes) {
    const sim = probeKind(probe.kind)?.simulator;
    if (!sim) continue;
    if (scenario.target === 'live') endpoints[probe.kind] = LIVE_ENDPOINTS[probe.kind] ?? {};
    else needed.add(sim);
  }
  for (const name of needed) {
    const options = scenario.simulators[name];
    // `url`: a simulator already running elsewhere (e.g. one a test kills and restarts).
    const external = typeof options?.url === 'string';
    const sim = external ? externalSimulator(name, options.url as string) : await startSimulator(name, { seed: scenario.seed, options });
    sims.push(sim);
    endpoints[name] = sim.endpoints;
    log.info(`${name} simulator ${external ? '(external) ' : ''}at ${Object.values(sim.endpoints).join(' ')}`);
  }
  return endpoints;
}

function wireLog(bus: Bus, log: Logger): void {
  bus.on('log', (entry) => log[entry.level as 'info']({ probe: entry.probe, ...entry.data }, entry.msg));
  bus.on('event', (event) => {
    const quiet = event.kind === 'start' || event.kind === 'exit' || event.kind === 'connect';
    const level = event.kind === 'crash' || event.kind === 'breach' ? 'error' : event.kind === 'unresponsive' ? 'warn' : 'debug';
    log[quiet ? 'debug' : level]({ probe: event.probe, event: event.kind, ...event.data }, `${event.kind}${event.data ? ' ' + JSON.stringify(event.data) : ''}`);
  });
}

/** Off a TTY, a summary line often enough to follow, rarely enough for an 8 h log. */
function progressEvery(durationMs: number): number {
  if (durationMs >= 4 * 3_600_000) return 3_600_000;
  if (durationMs >= 3_600_000) return 300_000;
  return Math.max(10_000, Math.round(durationMs / 6));
}

/** For a process-wide breach, the worker with the most heap is the first suspect. */
function largestHeap(hosts: ProbeHost[], engine: VerdictEngine): string | undefined {
  const heap = (h: ProbeHost) => engine.scope(h.name)?.levels.get('heap_used_mb')?.last ?? 0;
  return hosts.filter((h) => h.alive).sort((a, b) => heap(b) - heap(a))[0]?.name;
}
