// Known-bad reference: retains `bytesPerSec` of heap, plus optional failure modes the
// supervisor must isolate (throw, exceed its heap limit, block its event loop).
import { LeakInjector } from './lib/runtime.ts';
import { defineProbe } from './lib/probe.ts';

interface LeakyOptions {
  bytesPerSec?: number;
  /** Throw after this many ms. */
  throwAfterMs?: number;
  /** Allocate without bound after this many ms (to hit resourceLimits). */
  explodeAfterMs?: number;
  /** Block the event loop for `blockForMs` after `blockAfterMs`. */
  blockAfterMs?: number;
  blockForMs?: number;
}

export default defineProbe<LeakyOptions>(async (ctx) => {
  const { options } = ctx;
  const leak = new LeakInjector(options.bytesPerSec ?? 0);
  const timer = leak.start();
  const gauge = setInterval(() => ctx.gauge('retained_bytes', leak.retainedBytes), 250);
  const pending: NodeJS.Timeout[] = [];
  const failure = new Promise<never>((_, reject) => {
    if (options.throwAfterMs !== undefined) {
      pending.push(setTimeout(() => reject(new Error('leaky probe: injected failure')), options.throwAfterMs));
    }
    if (options.explodeAfterMs !== undefined) {
      pending.push(
        setTimeout(() => {
          // A runaway leak across event-loop turns, as real ones are. (A single synchronous
          // allocation loop can abort the whole process instead of this worker: V8 may fail
          // before Node's near-heap-limit callback runs — nodejs/node#47224.)
          let head: object | null = null;
          pending.push(
            setInterval(() => {
              for (let i = 0; i < 200; i++) head = { next: head, pad: new Array(1000).fill(0) };
            }, 1),
          );
        }, options.explodeAfterMs),
      );
    }
    if (options.blockAfterMs !== undefined) {
      pending.push(
        setTimeout(() => {
          const until = Date.now() + (options.blockForMs ?? 10_000);
          while (Date.now() < until) {
            // busy on purpose: the supervisor must notice an unresponsive worker
          }
          ctx.event('unblocked');
        }, options.blockAfterMs),
      );
    }
  });
  try {
    await Promise.race([ctx.stopped, failure]);
  } finally {
    clearInterval(timer);
    clearInterval(gauge);
    for (const t of pending) clearInterval(t);
  }
});
