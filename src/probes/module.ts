// `kind: module`: the user's own JavaScript or TypeScript probe, written with the SDK
// (`exsoak/probe`, docs/probe-sdk.md). It runs in its own worker like a built-in probe, through
// the generic host workers/module.ts, which imports the file and runs its default export. Its
// block's keys are validated by validation/module.ts.
import { moduleFile } from '../shared/module-file.ts';
import type { BisectVariant, MetricDecl, ProbeKindDescriptor } from './types.ts';

const kind = 'module';

/** What the host worker needs besides the probe's options: the module's absolute path. */
export interface ModuleOwn {
  module: string;
  simulator?: string;
  counters: string[];
  gauges: string[];
  variants?: Record<string, Record<string, unknown>>;
  /** The worker's environment (src/probes/probe-env.ts). */
  env?: Record<string, string>;
  inheritEnv?: boolean | string[];
  /** Filled by the loader's check: the module file resolved against the scenario's folder. */
  modulePath?: string;
}

function decls(names: readonly string[], what: string): MetricDecl[] {
  return names.map((name) => ({ name, meaning: `${what} declared by the probe's scenario block` }));
}

export const descriptor: ProbeKindDescriptor = {
  kind,
  summary: 'your own probe: a .ts/.js module whose default export is defineProbe(...) from exsoak/probe',
  counters: [],
  gauges: [],
  metricsFor: (own) => ({ counters: decls((own as unknown as ModuleOwn).counters ?? [], 'counter'), gauges: decls((own as unknown as ModuleOwn).gauges ?? [], 'gauge') }),
  venueFor: (own) => (own as unknown as ModuleOwn).simulator,
  runner: { type: 'worker', file: moduleFile('../../workers/module.ts', import.meta.url) },
  bisectVariants: (options, own) => bisectVariantsOf(options, own ?? {}),
};

/** `variants:` of the block, one bisect run each: the probe's options with the variant's on top. */
function bisectVariantsOf(options: Record<string, unknown>, own: Record<string, unknown>): BisectVariant[] {
  const variants = (own as unknown as ModuleOwn).variants ?? {};
  return Object.entries(variants).map(([label, overrides]) => ({ label, options: { ...options, ...overrides } }));
}
