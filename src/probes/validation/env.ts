// The environment keys of a probe that runs the user's code (`kind: module`, `kind: process`):
// what it inherits from the supervisor (`inheritEnv`) and what the scenario sets (`env`).
// What they mean at run time is src/probes/probe-env.ts.
import { z } from 'zod';
import { BASE_ENV } from '../probe-env.ts';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `env:` variables the probe gets on top of what it inherits (numbers and booleans as text). */
export const envVars = z.record(z.string().regex(NAME, 'expected an environment variable name'), z.union([z.string(), z.number(), z.boolean()]).transform(String))
  .default({})
  .describe('Environment variables the probe gets on top of what it inherits (set last).');

/**
 * `inheritEnv:` true (default) passes the supervisor's whole environment; false only the few
 * variables a program needs to start (PATH, HOME, LANG, …); a list passes those plus the named
 * variables, a name ending in `*` naming a prefix (`BITUNIX_*`).
 */
export const inheritEnv = z
  .union([
    z.boolean(),
    z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\*?$/, 'expected an environment variable name, or a prefix ending in "*" like "BITUNIX_*"')),
  ])
  .default(true)
  .describe(`What the probe inherits of the supervisor's environment: true (default) all of it; false only ${BASE_ENV.join(', ')}; a list those plus the names given ("NAME" or "PREFIX*").`);
