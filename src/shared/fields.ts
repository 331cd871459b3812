// zod fields for the units users write in scenarios; errors say what was expected.
import { z } from 'zod';
import { parseDuration, parseSize } from './units.ts';

function unit(parse: (value: string | number) => number) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    try {
      return parse(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });
}

/** A duration in milliseconds ("90s", "8h", or a number of ms). */
export const duration = unit(parseDuration);
/** A size in bytes ("50MB", or a number of bytes). */
export const size = unit(parseSize);
