// The `bitunix` probe: the HEDGE-mode adaptive-limit executor. Its options' schema is
// validation/bitunix.ts.
import { moduleFile } from '../shared/module-file.ts';
import type { MetricDecl, ProbeKindDescriptor } from './types.ts';

export const kind = 'bitunix';
/** The venue (simulator and live endpoints) this kind talks to. */
export const simulator = 'bitunix';
/** What workers/bitunix.ts reports (thresholds may name these). */
const counterDecls: readonly MetricDecl[] = [
  { name: 'requests', meaning: 'HTTP attempts, retries included' },
  { name: 'errors', meaning: 'failed HTTP attempts, stream errors and internal errors' },
  { name: 'errors.*', meaning: 'errors by cause: http5xx, http, rate_limit, timeout, network, auth, reject, parse, ws, internal' },
  { name: 'operations', meaning: 'REST operations the executor asked for (retries of one are one): error_rate\'s denominator' },
  { name: 'operations_failed', meaning: 'operations that finally failed: error_rate\'s numerator (README "Error rate")' },
  { name: 'orders.placed', meaning: 'orders placed' },
  { name: 'orders.modified', meaning: 'orders modified (price or quantity moved)' },
  { name: 'orders.cancelled', meaning: 'orders cancelled' },
  { name: 'orders.*', meaning: 'also filled, lost, adopted' },
  { name: 'fills', meaning: 'fills of the entry orders seen (a partial fill counts, each once)' },
  { name: 'fill_closes', meaning: 'reduce-only closes sent for them, so no position is left open' },
  { name: 'ws_reconnects', meaning: 'logical reconnects: one blip that drops both streams counts once' },
  { name: 'ws_reconnects.public', meaning: 'reconnects of the public stream' },
  { name: 'ws_reconnects.private', meaning: 'reconnects of the private stream' },
  { name: 'state.error_lock', meaning: 'times the executor entered ERROR_LOCK' },
  { name: 'stuck', meaning: 'states held longer than their limit' },
  { name: 'transitions', meaning: 'executor state transitions' },
  { name: 'state_ms.*', unit: 'ms', meaning: 'time spent per executor state, e.g. state_ms.WORKING' },
];
/** `state` is the index in EXECUTOR_STATES (INIT 0 … ERROR_LOCK 8, STOPPED 9). */
const gaugeDecls: readonly MetricDecl[] = [
  { name: 'latency_ms.p50', unit: 'ms', meaning: 'REST round trip, median of the last interval' },
  { name: 'latency_ms.p99', unit: 'ms', meaning: 'REST round trip, p99 of the last interval' },
  { name: 'state', meaning: 'executor state index (INIT 0 … ERROR_LOCK 8, STOPPED 9)' },
  { name: 'error_rate', meaning: 'operations_failed ÷ operations so far' },
];
export const counters = counterDecls.map((d) => d.name);
export const gauges = gaugeDecls.map((d) => d.name);

/**
 * For `exsoak bisect`: the executor with REST only, then with each stream alone, so a leak can be
 * pinned on the REST path, the public (market) stream or the private (order) stream.
 */
export function bisectVariants(options: Record<string, unknown>): { label: string; options: Record<string, unknown> }[] {
  return [
    { label: 'rest-only', options: { ...options, publicStream: false, privateStream: false } },
    { label: 'publicStream-only', options: { ...options, publicStream: true, privateStream: false } },
    { label: 'privateStream-only', options: { ...options, publicStream: false, privateStream: true } },
  ];
}

export const descriptor: ProbeKindDescriptor = {
  kind,
  summary: 'Bitunix HEDGE adaptive-limit executor: signed REST, public and private streams',
  counters: counterDecls,
  gauges: gaugeDecls,
  venue: simulator,
  runner: { type: 'worker', file: moduleFile('../../workers/bitunix.ts', import.meta.url) },
  bisectVariants,
};
