// How a `kind: module` probe's block is validated: the module file (it exists, is .ts/.js and
// has a default export), the simulator it names, the metrics it declares, its bisect variants.
// Its options are passed through as ctx.options: the module owns their meaning.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { initSync, parse } from 'es-module-lexer';
import { z } from 'zod';
import { venueNames } from '../index.ts';
import type { ModuleOwn } from '../module.ts';
import type { ProbeKindValidation } from '../types.ts';
import { envVars, inheritEnv } from './env.ts';

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

const metricName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z0-9_*]+)*$/, 'expected a metric name like "messages" or "drops.unscheduled"');

/** Whether an ES module's source has a default export (undefined: cannot tell, e.g. CommonJS). */
function hasDefaultExport(source: string): boolean | undefined {
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

const specSchema = z
  .object({
    /** The probe's file, relative to the scenario file. */
    module: z.string().min(1, 'expected the path of a .ts, .js or .mjs file, relative to the scenario file'),
    simulator: z
      .string()
      .refine((v) => venueNames().includes(v), { error: () => `expected one of ${venueNames().join(', ')}` })
      .optional(),
    counters: z.array(metricName).default([]),
    gauges: z.array(metricName).default([]),
    variants: z.record(z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/i, 'expected a label of letters, digits, "_", "." or "-"'), z.record(z.string(), z.unknown())).optional(),
    /** The worker's environment: see src/probes/probe-env.ts. */
    env: envVars,
    inheritEnv,
  })
  .strict();

export const validation: ProbeKindValidation = {
  optionsSchema: z.record(z.string(), z.unknown()),
  specSchema,
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
