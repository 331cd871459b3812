// What `exsoak run` decided before a run starts, and its bytes for the hand-off to the
// supervising image (handoff.ts → supervise.ts). v8 serialisation keeps what JSON would lose
// (Infinity in maxReconnectAttempts, undefined keys); a probe's metric matchers are functions
// and are rebuilt from the registry on the other side.
import { deserialize, serialize } from 'node:v8';
import type { LoadedScenario, ResolvedProbe } from '../scenario/load.ts';
import { kindMetrics } from '../probes/index.ts';

export interface RunPlan {
  loaded: LoadedScenario;
  out?: string;
  overwrite: boolean;
  injectLeaks: Record<string, number>;
  progress: boolean;
  logLevel: string;
  metricsHost?: string;
  junit?: string;
  summaryExport?: string;
  /** --json: verdict.json is the only thing on stdout. */
  json: boolean;
  /** SIGINT/SIGTERM caught before the run started: it stops as soon as it has. */
  signals: NodeJS.Signals[];
}

export function encodePlan(plan: RunPlan): Buffer {
  const probes = plan.loaded.probes.map(({ metrics: _, ...probe }) => probe);
  return serialize({ ...plan, loaded: { ...plan.loaded, probes } });
}

export function decodePlan(bytes: Buffer): RunPlan {
  const plan = deserialize(bytes) as RunPlan;
  const probes = (plan.loaded.probes as Omit<ResolvedProbe, 'metrics'>[]).map((p) => ({ ...p, metrics: kindMetrics(p.kind, p.own) }));
  return { ...plan, loaded: { ...plan.loaded, probes } };
}
