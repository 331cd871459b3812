// `idle` takes no options.
import { z } from 'zod';
import type { ProbeKindValidation } from '../types.ts';

export const optionsSchema = z.object({}).strict();

export const validation: ProbeKindValidation = { optionsSchema };
