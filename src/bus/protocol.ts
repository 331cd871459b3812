// The wire between the supervisor and a probe worker. Of the supervisor's side, workers import
// only this file (besides their own exchange client and options schema): everything they report
// crosses their MessagePort in these shapes.
import type { MessagePort } from 'node:worker_threads';

/** The scenario's default `gcFloorBudget`: bench/floor-cost.ts measures what it costs. */
export const DEFAULT_GC_FLOOR_BUDGET = 0.03;

export interface ProbeTask {
  probe: string;
  kind: string;
  port: MessagePort;
  /** Probe-specific options from the scenario (already validated by the supervisor). */
  options: Record<string, unknown>;
  target: 'sim' | 'live';
  /** Where to connect: filled by the supervisor (simulator URLs, or the live endpoints). */
  endpoints: Record<string, string>;
  /** How often the worker reports counters and its post-GC heap floor. */
  reportIntervalMs: number;
  /** How often the worker forces a full GC to measure its heap floor exactly (0 = only observe). */
  gcFloorIntervalMs: number;
  /** The share of the probe thread's CPU those collections may take (default DEFAULT_GC_FLOOR_BUDGET); null: one every interval (workers/lib/floor-gc.ts). */
  gcFloorBudget?: number | null;
  /**
   * How much of the scenario's nominal time one second of this run stands for (nominalDuration ÷
   * duration, at least 1): a compressed run spends the floors' wall-time allowance that much faster.
   */
  timeScale?: number;
  /** `--inject-leak`: retain this many bytes per second (0 = off). */
  injectLeakBytesPerSec: number;
  seed: number;
  /** Counter and gauge names the probe declares: always kept, whatever the cap on names (#26.8). */
  names?: readonly string[];
  /** The keys of the probe's block that belong to its kind (kind module: `modulePath`, the file to import). */
  own?: Record<string, unknown>;
}

export type Level = 'debug' | 'info' | 'warn' | 'error';

export type WorkerMessage =
  | { type: 'ready'; t: number }
  /**
   * Cumulative counters and current gauges: the supervisor keeps only the latest. `input`: what
   * the runtime dropped or rejected of the probe's calls so far (src/shared/untrusted.ts InputTally).
   */
  | { type: 'counters'; t: number; counters: Record<string, number>; gauges: Record<string, number>; input?: Record<string, number> }
  /**
   * Heap after GC since the last report: `floor` is the lowest used heap seen right after a
   * collection; `major` says whether a full (mark-compact) collection produced it.
   */
  | { type: 'gc'; t: number; floor: number; major: boolean; collections: number }
  | { type: 'event'; t: number; kind: string; data?: Record<string, unknown> }
  | { type: 'log'; t: number; level: Level; msg: string; data?: Record<string, unknown> }
  /** ctx.fatal(): a state the probe cannot leave; the supervisor's `fatal` event (failOnFatal). */
  | { type: 'fatal'; t: number; reason: string; data?: Record<string, unknown> }
  | { type: 'done'; t: number; reason: string }
  /** The answer to `release-snapshot`. */
  | { type: 'snapshot-released'; t: number };

export type SupervisorMessage =
  | { type: 'stop'; reason: string }
  /** A heap snapshot of the worker was written: drop what V8 keeps of it (workers/lib/release-snapshot.ts). */
  | { type: 'release-snapshot' };

/** A probe's task promise resolves with this once it has stopped cleanly. */
export interface ProbeResult {
  reason: string;
  counters: Record<string, number>;
}
