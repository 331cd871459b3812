// The environment a spawned process probe starts with: built in this one function, so what a
// probe inherits is decided in one place (the rules: src/probes/probe-env.ts).
import { simulatorEnv, type ProcessProbeSpec } from '../../probes/process-spec.ts';
import { probeEnv } from '../../probes/probe-env.ts';

/** What `inheritEnv` lets through of the supervisor's environment, the simulator's endpoints, then the scenario's `env:` (which wins). */
export function buildChildEnv(spec: ProcessProbeSpec, simulatorEndpoints: Record<string, string> | undefined): NodeJS.ProcessEnv {
  return probeEnv(spec, simulatorEnv(spec.simulator, simulatorEndpoints));
}
