// Registry of probe kinds: which worker file runs a kind and how its `options:` are validated.
// The exchange kinds register here once their options schema exists.
import { z } from 'zod';
import { fileURLToPath } from 'node:url';
import * as idle from './idle.ts';
import * as leaky from './leaky.ts';
import * as binance from './binance.ts';
import * as bitunix from './bitunix.ts';

export interface ProbeKind {
  kind: string;
  optionsSchema: z.ZodType;
  /** Which simulator the kind talks to when the target is `sim` (none for control probes). */
  simulator?: 'binance' | 'bitunix';
  /** Counters the kind reports (cumulative; 0 until first counted). `name.*` matches a family. */
  counters?: readonly string[];
  /** Gauges the kind reports (no value until first set). */
  gauges?: readonly string[];
  /** Feature switches `bisect` runs one at a time (e.g. one stream type each). */
  bisectVariants?: (options: Record<string, unknown>) => { label: string; options: Record<string, unknown> }[];
}

const kinds = new Map<string, ProbeKind>();

export function registerProbeKind(entry: ProbeKind): void {
  kinds.set(entry.kind, entry);
}

registerProbeKind(idle);
registerProbeKind(leaky);
registerProbeKind(binance);
registerProbeKind(bitunix);

export function probeKind(kind: string): ProbeKind | undefined {
  return kinds.get(kind);
}

export function probeKinds(): string[] {
  return [...kinds.keys()].sort();
}

export function workerFile(kind: string): string {
  return fileURLToPath(new URL(`../../../workers/${kind}.ts`, import.meta.url));
}

function matches(patterns: readonly string[] | undefined, name: string): boolean {
  return (patterns ?? []).some((p) => (p.endsWith('.*') ? name.startsWith(p.slice(0, -1)) : p === name));
}

export function isCounter(kind: string, name: string): boolean {
  return matches(kinds.get(kind)?.counters, name);
}

export function isGauge(kind: string, name: string): boolean {
  return matches(kinds.get(kind)?.gauges, name);
}

export function reportedMetrics(kind: string): string[] {
  const entry = kinds.get(kind);
  return [...(entry?.counters ?? []), ...(entry?.gauges ?? [])];
}
