// `leaky`: a control probe that retains heap at a set rate, and can throw, explode or block on cue.
import { moduleFile } from '../shared/module-file.ts';
import type { ProbeKindDescriptor } from './types.ts';

const kind = 'leaky';

export const descriptor: ProbeKindDescriptor = {
  kind,
  summary: 'control probe: retains heap at a set rate; can throw, run out of heap or block on cue',
  counters: [],
  gauges: [{ name: 'retained_bytes', unit: 'bytes', meaning: 'heap the probe has retained on purpose' }],
  runner: { type: 'worker', file: moduleFile('../../workers/leaky.ts', import.meta.url) },
};
