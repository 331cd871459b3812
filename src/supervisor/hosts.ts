// One host per probe, by how its kind runs (the descriptor's runner type, never its name): a
// worker thread (ProbeHost) or a program of its own (ProcessHost). Both expose what the
// sampler, the snapshot taker and the lifecycle need, so run.ts treats them alike.
import path from 'node:path';
import type { Bus } from '../bus/bus.ts';
import type { ProbeTask } from '../bus/protocol.ts';
import type { ProcessProbeSpec } from '../probes/process-spec.ts';
import { requireProbeKind } from '../probes/index.ts';
import { workerEnv, type ProbeEnvSpec } from '../probes/probe-env.ts';
import type { ResolvedProbe } from '../scenario/load.ts';
import { ProbeHost } from './probe-host.ts';
import { ProcessHost } from './process-host.ts';

export type RunHost = ProbeHost | ProcessHost;

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

export function createHost(probe: ResolvedProbe, ctx: HostContext): RunHost {
  const runner = requireProbeKind(probe.kind).runner;
  if (runner.type === 'process') {
    return new ProcessHost({
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
  return new ProbeHost({
    name: probe.name,
    kind: probe.kind,
    bus: ctx.bus,
    resourceLimits: probe.spec.resourceLimits,
    env: workerEnv(probe.own as ProbeEnvSpec),
    task: { ...ctx.task, options: probe.options, endpoints: ctx.endpoints },
  });
}
