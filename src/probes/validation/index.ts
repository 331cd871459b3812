// The built-in kinds' validation (zod schemas, load-time checks), registered beside their
// descriptors. Only the scenario loader (and the JSON Schema export) import this module: a
// supervisor started from a resolved scenario (src/cli/supervise.ts) never loads zod.
import { registeredValidation, registerProbeValidation, type ProbeKindValidation } from '../index.ts';
import { validation as idle } from './idle.ts';
import { validation as leaky } from './leaky.ts';
import { validation as binance } from './binance.ts';
import { validation as bitunix } from './bitunix.ts';
import { validation as processKind } from './process.ts';
import { validation as moduleKind } from './module.ts';

registerProbeValidation('idle', idle);
registerProbeValidation('leaky', leaky);
registerProbeValidation('binance', binance);
registerProbeValidation('bitunix', bitunix);
registerProbeValidation('process', processKind);
registerProbeValidation('module', moduleKind);

/** How the loader validates a registered kind's probes. */
export function requireProbeValidation(kind: string): ProbeKindValidation {
  const validation = registeredValidation(kind);
  if (!validation) throw new Error(`probe kind "${kind}" has no validation registered (registerProbeKind(descriptor, validation))`);
  return validation;
}
