import type { Verdict } from './verdict.ts';
import type { PeriodicReport } from './report.ts';

// What flows on the bus. Consumers (results, verdict, metrics, progress, snapshot) depend on
// these shapes only, never on each other.

/** V8 heap figures: of a worker's isolate (of the supervisor's for "process"); null where there is no V8 heap to read. */
export interface HeapFigures {
  heapUsed: number | null;
  heapTotal: number | null;
  external: number | null;
  heapLimit: number | null;
  detachedContexts: number | null;
  /**
   * Lowest heap seen right after a GC since the previous sample (null when none ran). Once a
   * probe has reported a full-GC floor, scavenge floors are no longer reported (the sampler
   * applies that rule, so every consumer can take this figure as it is).
   */
  heapFloor: number | null;
  /** Whether heapFloor came from a full (mark-compact) collection. */
  heapFloorMajor: boolean;
}

/** One sample of one probe worker (or of the whole process, probe = "process"). */
export interface Sample extends HeapFigures {
  t: number;
  probe: string;
  /**
   * Process-wide RSS and CPU % (pidusage): the same figure on every worker probe's line of a
   * tick; a probe that is a process of its own (`ownProcess`) has its own (and its descendants').
   */
  rss: number;
  cpu: number;
  /** Set when rss/cpu are the probe's own process's, not the supervisor's (kind: process). */
  ownProcess?: boolean;
  /** Event-loop utilisation of the worker over the last interval (0..1). */
  elu: number | null;
  /** The worker thread's own CPU over the last interval, % of one core (null if unavailable). */
  threadCpu: number | null;
  /** Set when the worker did not answer the heap query in time (blocked event loop). */
  unresponsive?: boolean;
  counters: Record<string, number>;
  gauges: Record<string, number>;
}

/**
 * Every event kind the supervisor emits or acts on (#26.1). A probe's event never carries one of
 * these: the hosts keep such an event as `probe:<kind>` (src/supervisor/probe-input.ts), so no
 * probe can fake a crash, an exit, a snapshot, a leak or a breach. test/unit/probe-input.test.ts
 * reads the sources and fails when a kind is emitted or compared on and is missing here.
 */
export const SUPERVISOR_EVENT_KINDS = [
  'start',
  'exit',
  'crash',
  'unresponsive',
  /** The sampler could not keep its interval (probe: 'process'). */
  'sampler-lag',
  'responsive',
  'breach',
  'abort',
  'leak',
  /** A state the probe cannot leave: from the SDK's ctx.fatal(), never from ctx.event(). */
  'fatal',
  'snapshot',
  'snapshot-start',
  'snapshot-failed',
  'snapshot-skipped',
  'snapshot-diff',
  /** What was dropped, replaced or rejected from a probe's input (counts). */
  'probe-input',
  /** A process probe's /metrics endpoint could not be read (and how often so far). */
  'scrape-failed',
  /** Configured counters no scrape has found: a threshold on one reads "never scraped". */
  'metrics-unscraped',
  /** A language runtime (python: true, node: true) never came up: the leak is judged on RSS, and why. */
  'runtime-missing',
] as const;

type SupervisorEventKind = (typeof SUPERVISOR_EVENT_KINDS)[number];

type ProbeEventKind = SupervisorEventKind | (string & {});

export interface ProbeEvent {
  t: number;
  probe: string;
  kind: ProbeEventKind;
  data?: Record<string, unknown>;
}

export interface RunInfo {
  scenario: string;
  startedAt: number;
  durationMs: number;
  nominalDurationMs: number;
  sampleIntervalMs: number;
  probes: { name: string; kind: string }[];
  /** The results folder's basename and the machine's hostname: tell a fleet's runs apart in Prometheus. */
  runId?: string;
  host?: string;
}

export interface RunEnd {
  t: number;
  reason: 'completed' | 'aborted' | 'interrupted' | 'error';
  detail?: string;
}

/**
 * The verdict as it stands, once per sampler tick: what /metrics exposes so a Prometheus alert
 * can fire on a broken threshold or a confirmed leak while the run is still going.
 */
export interface VerdictProgress {
  t: number;
  probes: Record<
    string,
    {
      failed: boolean;
      /** pass: null = not evaluable yet (no data, or only judged at the end). */
      criteria: { expr: string; pass: boolean | null }[];
      leak: { status: 'none' | 'suspected' | 'confirmed' | (string & {}); slopeMbPerH?: number; lowMbPerH?: number; highMbPerH?: number };
    }
  >;
}

export interface BusEvents {
  'run:start': [RunInfo];
  sample: [Sample];
  event: [ProbeEvent];
  log: [{ t: number; probe: string; level: string; msg: string; data?: Record<string, unknown> }];
  /**
   * Start-up is over: every probe that starts now has started and the supervisor has returned its
   * start-up garbage. The next process sample is the run's initial memory (growth, final_ratio,
   * the memory table's h0): the start-up peak is not where a soak begins.
   */
  'run:settled': [{ t: number }];
  'run:end': [RunEnd];
  /** The run's last event: the final verdict (verdict.json's content). */
  verdict: [Verdict];
  'verdict:progress': [VerdictProgress];
  /** The periodic report (reports.ndjson), every `report.every` and once at the end of the run. */
  report: [PeriodicReport];
}
