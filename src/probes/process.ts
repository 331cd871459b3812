// `process`: any program, in any language, started by command or attached to by PID and measured
// from outside (docs/process-probes.md). Its keys live in the probe's own block, not `options:`;
// what it reports is what that block maps (its /metrics names, its NDJSON events).
import type { ProcessProbeSpec } from './process-spec.ts';
import type { MetricDecl, ProbeKindDescriptor } from './types.ts';

const kind = 'process';

/** Counters every NDJSON-speaking child gets from its `disconnect` events (src/supervisor/probe-input.ts, `eventLine`). */
const EVENT_COUNTERS: readonly MetricDecl[] = [
  { name: 'drops.scheduled', meaning: 'disconnect events with "scheduled": true' },
  { name: 'drops.unscheduled', meaning: 'disconnect events without "scheduled": true' },
  { name: 'events.*', meaning: 'events of each kind the child printed on stdout' },
];

function metricsFor(own: Record<string, unknown>): { counters: MetricDecl[]; gauges: MetricDecl[] } {
  const spec = own as ProcessProbeSpec;
  const counters: MetricDecl[] = Object.entries(spec.metrics?.counters ?? {}).map(([name, prom]) => ({ name, meaning: `${prom} from ${spec.metrics!.url}` }));
  const gauges: MetricDecl[] = Object.entries(spec.metrics?.gauges ?? {}).map(([name, prom]) => ({ name, meaning: `${prom} from ${spec.metrics!.url}` }));
  if (spec.events === 'stdout-ndjson') {
    // An NDJSON line may also carry `counters`/`gauges` objects of any name: those are not
    // declared, so a threshold on one must be mapped under `metrics:` or be an event count.
    for (const decl of EVENT_COUNTERS) if (!counters.some((c) => c.name === decl.name)) counters.push(decl);
  }
  return { counters, gauges };
}

export const descriptor: ProbeKindDescriptor = {
  kind,
  summary: 'any program, started by command or attached to by PID, measured from outside (RSS/CPU of its tree, its /metrics, NDJSON events)',
  counters: [],
  gauges: [],
  runner: { type: 'process' },
  metricsFor,
  venueFor: (own) => (own as ProcessProbeSpec).simulator,
  leakSeries: (own) => ((own as ProcessProbeSpec).node || (own as ProcessProbeSpec).python ? 'heap_floor' : 'rss'),
};
