// The environment a spawned process probe starts with: built in this one function, so what a
// probe inherits is decided in one place.
import { simulatorEnv, type ProcessProbeSpec } from '../../probes/process-spec.ts';

/** The supervisor's environment, the simulator's endpoints, then the scenario's `env:` (which wins). */
export function buildChildEnv(spec: ProcessProbeSpec, simulatorEndpoints: Record<string, string> | undefined): NodeJS.ProcessEnv {
  return { ...process.env, ...simulatorEnv(spec.simulator, simulatorEndpoints), ...spec.env };
}
