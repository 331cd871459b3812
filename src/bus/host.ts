// The Host contract: what every way of running a probe implements in full (a worker thread, a
// spawned program, an attached process), so the lifecycle, the sampler and the snapshot taker
// use required members only and never test for optional ones. Like k6's `Output`: one required
// interface; what a host cannot do is an explicit answer (`evidence()` says why not), not a
// missing method. Lives in the bottom layer: src/sampling and src/snapshot may not import the
// supervisor that implements it.
import type { HeapFigures } from './types.ts';

export type HostStatus = 'pending' | 'starting' | 'running' | 'stopping' | 'stopped' | 'crashed';

/** A probe in a process of its own: RSS and CPU are its own (and its descendants'). */
export interface OwnProcessReading extends HeapFigures {
  where: 'own-process';
  rss: number;
  cpu: number;
}

/** A probe inside the supervisor's process (a worker thread): RSS and CPU are the supervisor's. */
export interface InProcessReading extends HeapFigures {
  where: 'in-process';
  /** False when the heap query got no answer in time (a blocked event loop). */
  answered: boolean;
  elu: number | null;
  threadCpu: number | null;
}

export type HostReading = OwnProcessReading | InProcessReading;

/** Whether a heap snapshot can be taken now, and how large a heap it would serialise. */
export type EvidenceSupport = { supported: true; heapBytes: number; format?: EvidenceFormat } | { supported: false; why: string };
/** What `snapshot()` streams: a V8 heap snapshot (the default) or a Python agent's look (JSON). */
type EvidenceFormat = 'v8-heapsnapshot' | 'python-look';

export interface Host {
  readonly name: string;
  /** The probe's kind (`binance`, `module`, `process`…). */
  readonly kind: string;
  readonly status: HostStatus;
  /** Starting, running or stopping. */
  readonly alive: boolean;
  /** Why it crashed, if it did. */
  readonly error: { message: string; code?: string } | undefined;
  /** When the probe last said anything (a runtime that reports on a cadence and falls silent is blocked). */
  readonly lastHeard: number;
  readonly counters: Record<string, number>;
  readonly gauges: Record<string, number>;
  /** Where the probe's heap runs out, when the scenario limits it. */
  readonly heapLimitBytes: number | undefined;
  /** Starts the probe; resolves once it is ready, has failed or was stopped. Never rejects. */
  start(): Promise<void>;
  /** Stops the probe (asks, then forces after `graceMs`). Never throws. */
  stop(reason: string, graceMs: number): Promise<void>;
  /** One sample, each part bounded by `timeoutMs`; undefined when the probe is not there to read. */
  read(timeoutMs: number): Promise<HostReading | undefined>;
  /** Whether `snapshot()` can give evidence now, or why not (the snapshot is then skipped). */
  evidence(): Promise<EvidenceSupport>;
  /**
   * A heap snapshot of the probe as a stream of its JSON. A host may spill it into `scratchFile`
   * first (created 0600, never overwritten); the caller removes that file afterwards.
   */
  snapshot(scratchFile: string): Promise<NodeJS.ReadableStream>;
  /**
   * After `snapshot()`'s stream has been written: has the probe's runtime drop what it kept of
   * the snapshot (a V8 worker's heap profiler state); resolves whether it did within `timeoutMs`,
   * or undefined when the host's runtime keeps nothing in this process.
   */
  releaseSnapshot(timeoutMs: number): Promise<boolean | undefined>;
}
