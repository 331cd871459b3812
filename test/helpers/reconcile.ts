// Reading a finished run for reconciliation: what the probe counted (the final counters in its
// `exit` event, the last sample's counters the verdict saw) against what the simulator recorded
// (`simulators.json`, read by the supervisor from GET /_sim/stats and /_sim/faults once the probes
// had stopped).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ProbeEvent, Sample } from '../../src/bus/types.ts';
import type { BinanceSimStats } from '../../src/sim/binance/index.ts';
import type { BitunixSimStats } from '../../src/sim/bitunix/index.ts';
import type { FaultRecord } from '../../src/sim/faults.ts';

export interface SimRecord<S> {
  endpoints: Record<string, string>;
  stats: S;
  faults: FaultRecord[];
}

export function simRecords(dir: string): { binance?: SimRecord<BinanceSimStats>; bitunix?: SimRecord<BitunixSimStats> } {
  const all = JSON.parse(readFileSync(path.join(dir, 'simulators.json'), 'utf8')) as Record<string, SimRecord<never> & { error?: string }>;
  for (const [name, record] of Object.entries(all)) assert.equal(record.error, undefined, `simulators.json: ${name}: ${record.error}`);
  return all;
}

/** The probe's counters after it stopped (carried by its `exit` event). */
export function finalCounters(events: ProbeEvent[], probe: string): Record<string, number> {
  const exit = events.find((e) => e.probe === probe && e.kind === 'exit');
  assert.ok(exit, `${probe} has no exit event (crashed?)`);
  return exit.data!.counters as Record<string, number>;
}

/** The counters of the probe's last sample: what the verdict was computed from. */
export function sampledCounters(samples: Sample[], probe: string): Record<string, number> {
  const last = samples.filter((s) => s.probe === probe).at(-1);
  assert.ok(last, `no sample of ${probe}`);
  return last.counters;
}

/** Faults of these kinds that fired and reached at least one connection. */
export function touching(faults: FaultRecord[], ...kinds: string[]): FaultRecord[] {
  return faults.filter((f) => kinds.includes(f.kind) && connectionCount(f) > 0);
}

/** The Binance simulator's record of the connections a fault reached: their ids. */
export function connectionsOf(fault: FaultRecord): number[] {
  const connections = fault.detail?.connections;
  if (connections !== undefined && !Array.isArray(connections)) throw new Error(`${fault.kind}: connections is a count here, not ids`);
  return (connections as number[] | undefined) ?? [];
}

/** How many connections a fault reached (the Binance simulator lists their ids, Bitunix's counts them). */
export function connectionCount(fault: FaultRecord): number {
  const connections = fault.detail?.connections;
  return Array.isArray(connections) ? connections.length : typeof connections === 'number' ? connections : 0;
}

/** Events of one probe and kind, in order. */
export function eventsOf(events: ProbeEvent[], probe: string, kind: string): ProbeEvent[] {
  return events.filter((e) => e.probe === probe && e.kind === kind);
}

/** The verdict's value for a criterion, by its expression. */
export function criterion(verdict: { probes: Record<string, { criteria: { expr: string; value: unknown; pass: boolean }[] }> }, probe: string, expr: string) {
  const found = verdict.probes[probe]?.criteria.find((c) => c.expr === expr);
  assert.ok(found, `${probe}: no criterion "${expr}"`);
  return found;
}

/** Most events inside any window of `windowMs` (times in ms). */
export function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let worst = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    worst = Math.max(worst, i - j + 1);
  }
  return worst;
}

/**
 * Where a continuous id stream jumped between two consecutive connections of a Binance
 * simulator (sorted by opening): the ids the client cannot have received. Overlapping connections
 * (a rotation) never jump; a connection that opened after the previous one closed starts where the
 * stream is by then, since the simulated venue keeps trading while nobody listens.
 */
export function idJumps(connections: { openedAt: number; streams: Record<string, { firstId?: number; lastId?: number }> }[], stream: string): number[] {
  const ranges = [...connections]
    .sort((a, b) => a.openedAt - b.openedAt)
    .map((c) => c.streams[stream])
    .filter((r): r is { firstId: number; lastId: number } => r?.firstId !== undefined && r.lastId !== undefined);
  const jumps: number[] = [];
  let last = -Infinity;
  for (const range of ranges) {
    if (range.firstId > last + 1 && last !== -Infinity) jumps.push(range.firstId - last - 1);
    last = Math.max(last, range.lastId);
  }
  return jumps;
}
