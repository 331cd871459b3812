// Registry of probe kinds: which worker file runs a kind and how its `options:` are validated.
// The exchange kinds register here once their options schema exists.
import { z } from 'zod';
import { fileURLToPath } from 'node:url';
import * as idle from './idle.ts';
import * as leaky from './leaky.ts';

export interface ProbeKind {
  kind: string;
  optionsSchema: z.ZodType;
  /** Which simulator the kind talks to when the target is `sim` (none for control probes). */
  simulator?: 'binance' | 'bitunix';
  /** Feature switches `bisect` runs one at a time (e.g. one stream type each). */
  bisectVariants?: (options: Record<string, unknown>) => { label: string; options: Record<string, unknown> }[];
}

const kinds = new Map<string, ProbeKind>();

export function registerProbeKind(entry: ProbeKind): void {
  kinds.set(entry.kind, entry);
}

registerProbeKind(idle);
registerProbeKind(leaky);

export function probeKind(kind: string): ProbeKind | undefined {
  return kinds.get(kind);
}

export function probeKinds(): string[] {
  return [...kinds.keys()].sort();
}

export function workerFile(kind: string): string {
  return fileURLToPath(new URL(`../../../workers/${kind}.ts`, import.meta.url));
}
