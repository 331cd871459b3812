// The public probe SDK, `exsoak/probe` (docs/probe-sdk.md). A probe is one async function of a
// context; `defineProbe` turns it into the task function a probe worker runs. The built-in
// probes (workers/*.ts) are written with it too, so the SDK is all a probe ever gets.
import type { ProbeResult, ProbeTask } from '../../src/bus/protocol.ts';
import { runProbe, type ProbeContext, type ProbeMain } from './runtime.ts';

export type { ProbeContext, ProbeMain } from './runtime.ts';
export type { Level } from '../../src/bus/protocol.ts';

/** Marks a defined probe; a registry symbol, so two copies of exsoak still recognise each other's. */
const PROBE = Symbol.for('exsoak.probe');

/** A probe: callable as the worker's task function, carrying the probe's main function. */
export interface ProbeDefinition<Options = Record<string, unknown>> {
  (task: ProbeTask): Promise<ProbeResult>;
  readonly [PROBE]: ProbeMain<Options>;
}

/**
 * Defines a probe. `main` runs once when the probe starts; resolve it after `ctx.stopped` once
 * the client is closed. A throw (or rejection) fails this probe alone, with its stack in the verdict.
 */
export function defineProbe<Options = Record<string, unknown>>(main: (ctx: ProbeContext<Options>) => Promise<void> | void): ProbeDefinition<Options> {
  if (typeof main !== 'function') throw new TypeError(`defineProbe: expected a function (ctx) => Promise<void>, got ${main === null ? 'null' : typeof main}`);
  const task = (t: ProbeTask) => runProbe<Options>(t, main);
  return Object.defineProperty(task, PROBE, { value: main }) as ProbeDefinition<Options>;
}

export function isProbeDefinition(value: unknown): value is ProbeDefinition {
  return typeof value === 'function' && typeof (value as Partial<ProbeDefinition>)[PROBE] === 'function';
}
