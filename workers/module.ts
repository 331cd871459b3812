// The host of a `kind: module` probe: imports the user's module in this worker and runs its
// default export through the SDK runtime, exactly as a built-in probe runs. Whatever the module
// does wrong (throws at import, exports something else, rejects) fails this probe alone.
import { pathToFileURL } from 'node:url';
import type { ProbeTask } from '../src/bus/protocol.ts';
import { isProbeDefinition } from './lib/probe.ts';

/** An error naming the module, keeping the module's own stack frames. */
function moduleError(file: string, what: string, cause: unknown): Error {
  const original = cause instanceof Error ? cause : new Error(String(cause));
  const err = new Error(`${file}: ${what}: ${original.message}`);
  const frames = original.stack?.split('\n').filter((line) => /^\s+at /.test(line)) ?? [];
  err.stack = [`Error: ${err.message}`, ...frames].join('\n');
  return err;
}

export default async function moduleHost(task: ProbeTask) {
  const file = task.own?.modulePath;
  if (typeof file !== 'string') throw new Error(`probe ${task.probe}: no module path was resolved for it`);
  let exported: unknown;
  try {
    exported = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (err) {
    throw moduleError(file, 'threw while being imported', err);
  }
  if (!isProbeDefinition(exported)) {
    const got = exported === undefined ? 'no default export' : `a default export of type ${typeof exported}`;
    throw new Error(`${file}: expected \`export default defineProbe(async (ctx) => { … })\` from "exsoak/probe", got ${got}`);
  }
  return exported(task);
}
