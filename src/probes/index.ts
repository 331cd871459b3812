// The registry of probe kinds and venues. Nothing outside src/probes switches on a kind's or a
// venue's name: the scenario loader, the supervisor, `exsoak sim`, bisect and the verdict look
// the descriptor up here. Adding a kind is its own three files, one `registerProbeKind` line here
// and one `registerProbeValidation` line in validation/index.ts (docs/ADDING-A-PROBE.md). This module and the descriptors load no validation library: the
// built-in kinds' schemas are registered by validation/index.ts, which only the loader imports.
import type { KindMetrics } from '../shared/catalogue.ts';
import type { MetricDecl, ProbeKindDescriptor, ProbeKindValidation, VenueDescriptor } from './types.ts';
import { binanceVenue, bitunixVenue } from './venues.ts';
import { descriptor as idle } from './idle.ts';
import { descriptor as leaky } from './leaky.ts';
import { descriptor as binance } from './binance.ts';
import { descriptor as bitunix } from './bitunix.ts';
import { descriptor as processKind } from './process.ts';
import { descriptor as moduleKind } from './module.ts';

export type { ProbeKindDescriptor, ProbeKindValidation, VenueDescriptor } from './types.ts';

/** The venue a probe talks to: named in its own block (`simulator:`), or its kind's. */
export function probeVenue(kind: string, own: Record<string, unknown> = {}): string | undefined {
  const entry = kinds.get(kind);
  return entry?.venueFor?.(own) ?? entry?.venue;
}

const kinds = new Map<string, ProbeKindDescriptor>();
const validations = new Map<string, ProbeKindValidation>();
const venues = new Map<string, VenueDescriptor>();

function registerVenue(venue: VenueDescriptor): void {
  if (venues.has(venue.name)) throw new Error(`venue "${venue.name}" is registered twice`);
  venues.set(venue.name, venue);
}

/** A kind, and how the scenario loader validates its probes (built-in kinds: validation/index.ts). */
export function registerProbeKind(entry: ProbeKindDescriptor, validation?: ProbeKindValidation): void {
  if (kinds.has(entry.kind)) throw new Error(`probe kind "${entry.kind}" is registered twice`);
  if (entry.venue !== undefined && !venues.has(entry.venue)) {
    throw new Error(`probe kind "${entry.kind}" names venue "${entry.venue}", which is not registered (known: ${venueNames().join(', ')})`);
  }
  kinds.set(entry.kind, entry);
  if (validation) registerProbeValidation(entry.kind, validation);
}

export function registerProbeValidation(kind: string, validation: ProbeKindValidation): void {
  if (!kinds.has(kind)) throw new Error(`probe kind "${kind}" is not registered: register it before its validation`);
  if (validations.has(kind)) throw new Error(`probe kind "${kind}" has its validation registered twice`);
  validations.set(kind, validation);
}

/** How the loader validates a kind's probes; use validation/index.ts's, which has the built-in kinds'. */
export function registeredValidation(kind: string): ProbeKindValidation | undefined {
  return validations.get(kind);
}

registerVenue(binanceVenue);
registerVenue(bitunixVenue);
registerProbeKind(idle);
registerProbeKind(leaky);
registerProbeKind(binance);
registerProbeKind(bitunix);
registerProbeKind(processKind);
registerProbeKind(moduleKind);

export function probeKind(kind: string): ProbeKindDescriptor | undefined {
  return kinds.get(kind);
}

/** The descriptor of a kind that must exist (the scenario loader has checked it). */
export function requireProbeKind(kind: string): ProbeKindDescriptor {
  const entry = kinds.get(kind);
  if (!entry) throw new Error(`unknown probe kind "${kind}" (known: ${probeKinds().join(', ')})`);
  return entry;
}

export function probeKinds(): string[] {
  return [...kinds.keys()].sort();
}

export function venue(name: string): VenueDescriptor | undefined {
  return venues.get(name);
}

export function requireVenue(name: string): VenueDescriptor {
  const entry = venues.get(name);
  if (!entry) throw new Error(`unknown venue "${name}" (known: ${venueNames().join(', ')})`);
  return entry;
}

export function venueNames(): string[] {
  return [...venues.keys()].sort();
}

function matches(decls: readonly MetricDecl[], name: string): boolean {
  return decls.some(({ name: p }) => (p.endsWith('.*') ? name.startsWith(p.slice(0, -1)) : p === name));
}

/** What a kind (and, for kinds whose probes declare their own, one probe) reports, in the catalogue's terms. */
export function kindMetrics(kind: string, own?: Record<string, unknown>): KindMetrics {
  const entry = kinds.get(kind);
  const declared = own && entry?.metricsFor ? entry.metricsFor(own) : undefined;
  const counters = [...(entry?.counters ?? []), ...(declared?.counters ?? [])];
  const gauges = [...(entry?.gauges ?? []), ...(declared?.gauges ?? [])];
  return {
    isCounter: (name) => matches(counters, name),
    isGauge: (name) => matches(gauges, name),
    names: [...counters, ...gauges].map((d) => d.name),
    label: `a ${kind} probe`,
  };
}
