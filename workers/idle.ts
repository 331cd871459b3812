// Known-good reference: does nothing until stopped. Its heap must stay flat.
import { defineProbe } from './lib/probe.ts';

export default defineProbe(async (ctx) => {
  await ctx.stopped;
});
