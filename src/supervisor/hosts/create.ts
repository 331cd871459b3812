// One host per probe, by how its kind runs (the descriptor's runner type, never its name): a
// worker thread (WorkerHost), a program it starts (SpawnedProcessHost) or a process it attaches
// to (AttachedProcessHost). All implement the Host contract (src/bus/host.ts), so the lifecycle,
// the sampler and the snapshot taker treat them alike.
import path from 'node:path';
import type { Bus } from '../../bus/bus.ts';
import type { Host } from '../../bus/host.ts';
import type { ProbeTask } from '../../bus/protocol.ts';
import type { ProcessProbeSpec } from '../../probes/process-spec.ts';
import { requireProbeKind } from '../../probes/index.ts';
import type { ResolvedProbe } from '../../scenario/load.ts';
import { WorkerHost } from './worker-host.ts';
import { AttachedProcessHost } from './attached-process-host.ts';
import { SpawnedProcessHost } from './spawned-process-host.ts';
import type { ProcessHostOptions } from './process-base.ts';

export interface HostContext {
  bus: Bus;
  /** The results folder: a process probe's stdout/stderr logs go there. */
  dir: string;
  /** The endpoints of the probe's venue (live, or its simulator's). */
  endpoints: Record<string, string>;
  /** The scenario's stopGrace (a process probe's program also gets it if the supervisor dies). */
  stopGraceMs?: number;
  /** What a worker probe's task gets besides its options and endpoints. */
  task: Omit<ProbeTask, 'port' | 'probe' | 'kind' | 'options' | 'endpoints'>;
}

export function createHost(probe: ResolvedProbe, ctx: HostContext): Host {
  const runner = requireProbeKind(probe.kind).runner;
  if (runner.type === 'process') {
    return createProcessHost({
      name: probe.name,
      bus: ctx.bus,
      spec: probe.own as ProcessProbeSpec,
      // `cwd:` is relative to the scenario file that declares the probe.
      baseDir: path.dirname(path.resolve(probe.file)),
      resultsDir: ctx.dir,
      simulatorEndpoints: ctx.endpoints,
      gcFloorIntervalMs: ctx.task.gcFloorIntervalMs,
      stopGraceMs: ctx.stopGraceMs,
    });
  }
  return new WorkerHost({
    name: probe.name,
    kind: probe.kind,
    bus: ctx.bus,
    resourceLimits: probe.spec.resourceLimits,
    task: { ...ctx.task, options: probe.options, endpoints: ctx.endpoints },
  });
}

/** `pid:` attaches to a running process; `command:` starts one (the schema allows exactly one). */
export function createProcessHost(opts: ProcessHostOptions): SpawnedProcessHost | AttachedProcessHost {
  return opts.spec.pid !== undefined ? new AttachedProcessHost(opts) : new SpawnedProcessHost(opts);
}
