// A soak run's lifecycle, from start to verdict: results folder, consumers (wiring.ts),
// simulators, one host per probe, the sampler, then a graceful stop and the verdict on the bus
// — also when the run is aborted by a threshold, interrupted by a signal, or a probe crashes.
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { Bus } from '../bus/bus.ts';
import type { RunEnd } from '../bus/types.ts';
import type { Verdict } from '../bus/verdict.ts';
import type { LoadedScenario } from '../scenario/load.ts';
import { requireVenue } from '../probes/index.ts';
import { parseByteRate } from '../shared/units.ts';
import { clearLongTimer, setLongTimeout, type LongTimer } from '../shared/timers.ts';
import { Sampler } from '../sampling/sampler.ts';
import { startOwnHeapCollections } from './own-heap.ts';
import type { VerdictEngine } from '../verdict/engine.ts';
import { createRunDir, writeJsonAtomic } from '../results/files.ts';
import { startMetrics } from '../metrics/server.ts';
import { resolveMetricsHost } from '../metrics/bind.ts';
import type { Host } from '../bus/host.ts';
import { createHost } from './hosts/create.ts';
import { wireConsumers } from './wiring.ts';
import { addKnownSecrets, redactSecretFields, secretValuesIn } from '../shared/secrets.ts';
import { externalSimulator, simulatorRecord, startSimulator, type RunningSimulator } from './simulators.ts';
import { timeScaleOf } from '../scenario/compress.ts';

export interface RunOptions {
  loaded: LoadedScenario;
  out?: string;
  /** --overwrite: reuse a non-empty results folder (`out`) after emptying it. */
  overwrite?: boolean;
  resultsBase?: string;
  /** probe name -> bytes per second (from --inject-leak). */
  injectLeaks?: Record<string, number>;
  progress?: boolean;
  /** Level of the human log lines on stderr. */
  stderrLevel?: string;
  /** Level of log.ndjson (default info; --log-level). */
  logLevel?: string;
  /** Where the terminal summary is printed when the verdict arrives (none: not printed). */
  summaryOut?: NodeJS.WritableStream;
  color?: boolean;
  /** Aborted on SIGINT/SIGTERM: stop gracefully and write everything. */
  interrupt?: AbortSignal;
  version?: string;
  /** --metrics-host: the only way to listen beyond loopback (see metrics/bind.ts). */
  metricsHost?: string;
  /** --junit FILE, --summary-export FILE: copies of the folder's junit.xml and summary.json. */
  junit?: string;
  summaryExport?: string;
}

export interface RunOutcome {
  verdict: Verdict;
  dir: string;
  exitCode: 0 | 1 | 3 | 130;
}

export async function runSoak(opts: RunOptions): Promise<RunOutcome> {
  const { scenario, probes } = opts.loaded;
  // Before anything is written: every output path masks these values (and the environment's).
  addKnownSecrets(secretValuesIn([scenario, probes.map((p) => p.own)]));
  const bus = new Bus();
  // First, before any file or thread: a port in use must mean nothing was started.
  const metricsHost = scenario.metrics.port === 0 ? undefined : resolveMetricsHost({ scenarioHost: scenario.metrics.host, flagHost: opts.metricsHost, file: opts.loaded.files[0] }).host;
  const metrics = await startMetrics({ bus, host: metricsHost, port: scenario.metrics.port });
  let dir: string;
  try {
    dir = createRunDir({ out: opts.out, base: opts.resultsBase, scenario: scenario.name, overwrite: opts.overwrite });
  } catch (err) {
    await metrics?.close();
    throw err;
  }
  const startedAt = Date.now();
  const runInfo = {
    scenario: scenario.name,
    files: opts.loaded.files,
    startedAt: new Date(startedAt).toISOString(),
    endedAt: null as string | null,
    versions: { exsoak: opts.version ?? 'dev', node: process.version, v8: process.versions.v8 },
    host: { hostname: os.hostname(), platform: process.platform, arch: process.arch, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, totalMemory: os.totalmem() },
    resolved: redactSecretFields(scenario),
    injectLeaks: opts.injectLeaks ?? {},
  };
  writeJsonAtomic(path.join(dir, 'run.json'), runInfo);

  let stopRequested: ((end: Omit<RunEnd, 't'>) => void) | undefined;
  const stopSignal = new Promise<Omit<RunEnd, 't'>>((resolve) => (stopRequested = resolve));
  const requestStop = (end: Omit<RunEnd, 't'>) => stopRequested?.(end);

  let internalError: Error | undefined;
  const hosts: Host[] = [];
  const consumers = wireConsumers({
    bus,
    dir,
    loaded: opts.loaded,
    startedAt,
    runInfo,
    exports: { junit: opts.junit, summaryExport: opts.summaryExport },
    hosts: () => hosts,
    progress: opts.progress,
    summaryOut: opts.summaryOut,
    stderrLevel: opts.stderrLevel,
    logLevel: opts.logLevel,
    color: opts.color,
    onInternalError: (err) => {
      internalError = err;
      requestStop({ reason: 'error', detail: err.message });
    },
    onBreach: (breach, engine) => {
      // The evidence first: a snapshot of the offending worker while it still has the leak.
      const offender = breach.scope === 'process' ? largestHeap(hosts, engine) : breach.scope;
      const evidence = offender ? consumers.snapshots.capture(offender, `breach: ${breach.criterion.expr}`) : Promise.resolve(undefined);
      void evidence.finally(() => requestStop({ reason: 'aborted', detail: `${breach.scope}: ${breach.criterion.expr}` }));
    },
    onLeak: (probe) => void consumers.snapshots.onLeak(probe),
  });
  const { log, snapshots, progress } = consumers;
  const sims: RunningSimulator[] = [];
  const timers: LongTimer[] = [];
  const reportIntervalMs = Math.min(scenario.sampleInterval, 1000);
  const sampler = new Sampler(hosts, bus, scenario.sampleInterval, reportIntervalMs);
  const onInterrupt = () => requestStop({ reason: 'interrupted', detail: 'signal' });
  opts.interrupt?.addEventListener('abort', onInterrupt, { once: true });
  if (opts.interrupt?.aborted) onInterrupt();

  let end: Omit<RunEnd, 't'> = { reason: 'completed' };
  let stopping = false;
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
      runId: path.basename(dir),
      host: os.hostname(),
    });
    for (const probe of probes) {
      const leak = opts.injectLeaks?.[probe.name] ?? (probe.spec.injectLeak ? parseByteRate(probe.spec.injectLeak) : 0);
      const venueName = probe.venue;
      const host = createHost(probe, {
        bus,
        dir,
        endpoints: venueName ? (endpoints[venueName] ?? {}) : {},
        stopGraceMs: scenario.stopGrace,
        task: { own: probe.own, target: scenario.target, reportIntervalMs, gcFloorIntervalMs: scenario.gcFloorInterval, gcFloorBudget: scenario.gcFloorBudget === 'off' ? null : scenario.gcFloorBudget, timeScale: timeScaleOf(scenario), injectLeakBytesPerSec: leak, seed: scenario.seed },
      });
      hosts.push(host);
      if (probe.spec.startDelay > 0) timers.push(setLongTimeout(() => void host.start(), probe.spec.startDelay));
      else void host.start();
    }
    // Start-up garbage (compiled modules, the parsed scenario, a young generation grown while
    // loading) would otherwise stay in the supervisor's RSS for the whole soak: V8 hands those
    // pages back after a full collection, once the process is quiet. One, at the first sample
    // with every probe that starts now past its start.
    const settle = () => {
      if (hosts.some((h) => h.status === 'starting')) return;
      bus.off('verdict:progress', settle);
      // Not once the run is stopping: the last sample's progress can come after the timers are cleared.
      if (!stopping) timers.push(startOwnHeapCollections(scenario.sampleInterval));
      const t = Date.now();
      (runInfo as Record<string, unknown>).settledAt = new Date(t).toISOString();
      bus.emit('run:settled', { t });
    };
    bus.on('verdict:progress', settle);
    bus.on('event', (event) => {
      if ((event.kind === 'crash' || event.kind === 'exit') && hosts.every((h) => !h.alive && h.status !== 'pending')) {
        requestStop({ reason: 'completed', detail: 'every probe has ended' });
      }
    });
    sampler.start();
    timers.push(setLongTimeout(() => requestStop({ reason: 'completed' }), scenario.duration));
    end = await stopSignal;
  } catch (err) {
    internalError = err as Error;
    end = { reason: 'error', detail: (err as Error).message };
    log.error({ err: (err as Error).stack }, `run failed: ${(err as Error).message}`);
  }

  // Stop: one last sample so the verdict sees the final state, then the probes, then the sims.
  stopping = true;
  for (const timer of timers) clearLongTimer(timer);
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

  // The verdict is the bus's last event: verdict.json, run.json, report.html and the terminal
  // summary are written by its consumers.
  const verdict = consumers.verdict.finish(scenario.name, end.reason, endedAt);
  if (consumers.outputs.failures.length > 0) internalError ??= consumers.outputs.failures[0]!.error;
  consumers.close();
  log.info(`verdict: ${verdict.pass ? 'PASS' : 'FAIL'} (${dir})`);
  log.flush();

  const exitCode = end.reason === 'interrupted' ? 130 : internalError ? 3 : verdict.pass ? 0 : 1;
  return { verdict, dir, exitCode };
}

/** Endpoints per venue: the live ones, or those of the simulators started (or named) for the run. */
async function resolveEndpoints(loaded: LoadedScenario, sims: RunningSimulator[], log: Logger) {
  const { scenario, probes } = loaded;
  const endpoints: Record<string, Record<string, string>> = {};
  const needed = new Set<string>();
  for (const probe of probes) {
    const name = probe.venue;
    if (!name) continue;
    if (scenario.target === 'live') endpoints[name] = requireVenue(name).live;
    else needed.add(name);
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

/** For a process-wide breach, the worker with the most heap is the first suspect. */
function largestHeap(hosts: Host[], engine: VerdictEngine): string | undefined {
  const heap = (h: Host) => engine.scope(h.name)?.levels.get('heap_used_mb')?.last ?? 0;
  return hosts.filter((h) => h.alive).sort((a, b) => heap(b) - heap(a))[0]?.name;
}
