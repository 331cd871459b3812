// How a `leaky` probe's options are validated (rates and cues), and the names the worker gets.
import { z } from 'zod';
import { size, duration } from '../../shared/fields.ts';
import type { ProbeKindValidation } from '../types.ts';

const optionsSchema = z
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

export const validation: ProbeKindValidation = { optionsSchema };
