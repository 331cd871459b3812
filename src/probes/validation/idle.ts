// `idle` takes no options.
import { z } from 'zod';
import type { ProbeKindValidation } from '../types.ts';

const optionsSchema = z.object({}).strict();

export const validation: ProbeKindValidation = { optionsSchema };
