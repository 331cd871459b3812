// `idle`: a known-good control probe that does nothing until stopped; its heap must stay flat.
import { moduleFile } from '../shared/module-file.ts';
import type { ProbeKindDescriptor } from './types.ts';

const kind = 'idle';

export const descriptor: ProbeKindDescriptor = {
  kind,
  summary: 'control probe: does nothing; its heap must stay flat',
  counters: [],
  gauges: [],
  runner: { type: 'worker', file: moduleFile('../../workers/idle.ts', import.meta.url) },
};
