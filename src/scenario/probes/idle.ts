import { z } from 'zod';

export const kind = 'idle';
export const optionsSchema = z.object({}).strict();
