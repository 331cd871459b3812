// `kind: module`: the user's own JavaScript or TypeScript probe, written with the SDK
// (`exsoak/probe`, docs/probe-sdk.md). It runs in its own worker like a built-in probe, through
// the generic host workers/module.ts, which imports the file and runs its default export.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { initSync, parse } from 'es-module-lexer';
import { z } from 'zod';
import { moduleFile } from '../shared/module-file.ts';
import type { BisectVariant, MetricDecl, ProbeKindDescriptor } from './types.ts';

export const kind = 'module';
const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

const metricName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z0-9_*]+)*$/, 'expected a metric name like "messages" or "drops.unscheduled"');

/** What the host worker needs besides the probe's options: the module's absolute path. */
export interface ModuleOwn {
  module: string;
  simulator?: string;
  counters: string[];
  gauges: string[];
  variants?: Record<string, Record<string, unknown>>;
  /** Filled by `check`: the module file resolved against the scenario's folder. */
  modulePath?: string;
}

function decls(names: readonly string[], what: string): MetricDecl[] {
  return names.map((name) => ({ name, meaning: `${what} declared by the probe's scenario block` }));
}

/** Whether an ES module's source has a default export (undefined: cannot tell, e.g. CommonJS). */
export function hasDefaultExport(source: string): boolean | undefined {
  initSync();
  try {
    const [, exports, , hasModuleSyntax] = parse(source);
    if (!hasModuleSyntax) return undefined;
    return exports.some((e) => e.n === 'default');
  } catch {
    // The lexer does not know every TypeScript construct: Node itself reports a real syntax error.
    return undefined;
  }
}

/** The descriptor; `venues` lists the venues `simulator:` may name (the registry's, passed in to avoid a cycle). */
export function moduleKind(venues: () => string[]): ProbeKindDescriptor {
  const specSchema = z
    .object({
      /** The probe's file, relative to the scenario file. */
      module: z.string().min(1, 'expected the path of a .ts, .js or .mjs file, relative to the scenario file'),
      simulator: z
        .string()
        .refine((v) => venues().includes(v), { error: () => `expected one of ${venues().join(', ')}` })
        .optional(),
      counters: z.array(metricName).default([]),
      gauges: z.array(metricName).default([]),
      variants: z.record(z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/i, 'expected a label of letters, digits, "_", "." or "-"'), z.record(z.string(), z.unknown())).optional(),
    })
    .strict();
  return {
    kind,
    summary: 'your own probe: a .ts/.js module whose default export is defineProbe(...) from exsoak/probe',
    // Passed through as ctx.options: the module owns their meaning.
    optionsSchema: z.record(z.string(), z.unknown()),
    counters: [],
    gauges: [],
    specSchema,
    metricsFor: (own) => ({ counters: decls((own as unknown as ModuleOwn).counters ?? [], 'counter'), gauges: decls((own as unknown as ModuleOwn).gauges ?? [], 'gauge') }),
    venueFor: (own) => (own as unknown as ModuleOwn).simulator,
    runner: { type: 'worker', file: moduleFile('../../workers/module.ts', import.meta.url) },
    bisectVariants: (options, own) => bisectVariantsOf(options, own ?? {}),
    check: (own, { baseDir }) => {
      const spec = own as unknown as ModuleOwn;
      const file = path.resolve(baseDir, spec.module);
      if (!EXTENSIONS.includes(path.extname(file))) {
        throw new Error(`module: "${spec.module}" must be a .ts, .mts, .js or .mjs file`);
      }
      if (!existsSync(file) || !statSync(file).isFile()) throw new Error(`module: no such file ${file} (expected a probe module, relative to the scenario file)`);
      if (hasDefaultExport(readFileSync(file, 'utf8')) === false) {
        throw new Error(`module: ${file} has no default export (expected \`export default defineProbe(async (ctx) => { … })\` from "exsoak/probe")`);
      }
      return { ...own, modulePath: file };
    },
  };
}

/** `variants:` of the block, one bisect run each: the probe's options with the variant's on top. */
function bisectVariantsOf(options: Record<string, unknown>, own: Record<string, unknown>): BisectVariant[] {
  const variants = (own as unknown as ModuleOwn).variants ?? {};
  return Object.entries(variants).map(([label, overrides]) => ({ label, options: { ...options, ...overrides } }));
}
