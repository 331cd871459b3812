// `leaky`: a control probe that retains heap at a set rate, and can throw, explode or block on cue.
import { z } from 'zod';
import { size, duration } from '../shared/fields.ts';
import { moduleFile } from '../shared/module-file.ts';
import type { ProbeKindDescriptor } from './types.ts';

export const kind = 'leaky';
export const gauges = ['retained_bytes'] as const;
export const optionsSchema = z
  .object({
    /** Heap retained per second, e.g. "100KB" (per second). */
    rate: size.default(100 * 1024),
    throwAfter: duration.optional(),
    explodeAfter: duration.optional(),
    blockAfter: duration.optional(),
    blockFor: duration.optional(),
  })
  .strict()
  .transform((o) => ({
    bytesPerSec: o.rate,
    throwAfterMs: o.throwAfter,
    explodeAfterMs: o.explodeAfter,
    blockAfterMs: o.blockAfter,
    blockForMs: o.blockFor,
  }));

export const descriptor: ProbeKindDescriptor = {
  kind,
  summary: 'control probe: retains heap at a set rate; can throw, run out of heap or block on cue',
  optionsSchema,
  counters: [],
  gauges: [{ name: 'retained_bytes', unit: 'bytes', meaning: 'heap the probe has retained on purpose' }],
  runner: { type: 'worker', file: moduleFile('../../workers/leaky.ts', import.meta.url) },
};
