// The `binance` probe: the market-stream client over symbols × stream types. Its options'
// schema is validation/binance.ts.
import { kindOfType } from '../exchanges/binance/streams.ts';
import { moduleFile } from '../shared/module-file.ts';
import type { MetricDecl, ProbeKindDescriptor } from './types.ts';
import type { BinanceProbeOptions } from './validation/binance.ts';

export const kind = 'binance';
/** The venue (simulator and live endpoints) this kind talks to. */
const simulator = 'binance';
/** What workers/binance.ts reports (thresholds may name these). */
const counterDecls: readonly MetricDecl[] = [
  { name: 'messages', meaning: 'stream events received (after de-duplication across a rotation overlap)' },
  { name: 'messages.*', meaning: 'stream events by type, e.g. messages.trade, messages.depthUpdate' },
  { name: 'connects', meaning: 'successful WebSocket connections, first ones included' },
  { name: 'ws_reconnects', meaning: 'connections re-established after a drop' },
  { name: 'drops.scheduled', meaning: 'drops the client expected: its own rotation, the 24 h limit, serverShutdown' },
  { name: 'drops.unscheduled', meaning: 'every other drop (network, silence, server error)' },
  { name: 'malformed', meaning: 'frames that did not parse or validate' },
  { name: 'gaps', meaning: 'sequence gaps detected (trade ids, depth update ids)' },
  { name: 'resyncs', meaning: 'order-book resyncs from a REST snapshot' },
  { name: 'errors', meaning: 'client errors (socket errors, failed snapshots)' },
  { name: 'rotations', meaning: 'proactive connection rotations before the venue\'s age limit' },
  { name: 'duplicates', meaning: 'events seen twice (rotation overlap) and dropped' },
];
const gaugeDecls: readonly MetricDecl[] = [
  { name: 'conn_age_s', unit: 's', meaning: 'age of the oldest open connection' },
  { name: 'event_latency_ms', unit: 'ms', meaning: 'event time to receipt, last interval median' },
  { name: 'event_latency_ms.p99', unit: 'ms', meaning: 'event time to receipt, last interval p99' },
];

/**
 * For `exsoak bisect`: one variant per stream type (each type's parsing and sequencing in
 * isolation), plus the diff-depth streams without their local order books.
 */
export function bisectVariants(options: Record<string, unknown>): { label: string; options: Record<string, unknown> }[] {
  const parsed = options as BinanceProbeOptions;
  const variants: { label: string; options: Record<string, unknown> }[] = parsed.streams.map((type) => ({
    label: `streams=${type}`,
    options: { ...options, streams: [type] },
  }));
  if (parsed.depth.orderBook && parsed.streams.some((type) => kindOfType(type) === 'depth')) {
    const depth = { ...((options.depth as Record<string, unknown> | undefined) ?? {}), orderBook: false };
    variants.push({ label: 'depth.orderBook=false', options: { ...options, depth } });
  }
  return variants;
}

export const descriptor: ProbeKindDescriptor = {
  kind,
  summary: 'Binance market-stream client: combined streams, rotation, local order books',
  counters: counterDecls,
  gauges: gaugeDecls,
  venue: simulator,
  runner: { type: 'worker', file: moduleFile('../../workers/binance.ts', import.meta.url) },
  bisectVariants,
};
