// Known-good reference: does nothing until stopped. Its heap must stay flat.
import type { ProbeTask } from '../src/bus/protocol.ts';
import { runProbe } from './lib/runtime.ts';

export default function idle(task: ProbeTask) {
  return runProbe(task, async (ctx) => {
    await ctx.stopped;
  });
}
