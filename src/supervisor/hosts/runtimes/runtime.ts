// A language runtime capability of the spawned-process host: how exsoak reads the heap of a
// program written in a language it knows (V8 through the inspector for `node: true`). The host
// knows nothing of any language: it asks the registry (index.ts) for the probe's runtime and
// talks to it through this interface only. A program no runtime claims gets NO_RUNTIME: RSS and
// CPU only, and an explicit "no heap" answer when evidence is asked for.
import type { ProcessProbeSpec } from '../../../probes/process-spec.ts';

/** The heap of the program, as its runtime measures it; `floor` after a forced full GC. */
export interface RuntimeHeap {
  used: number;
  total: number;
  floor?: number;
}

/** What the program is started with; a runtime may add flags or variables before it is spawned. */
export interface RuntimeLaunch {
  /** The program as the scenario names it (argv[0]). */
  program: string;
  /** Its resolved executable. */
  executable: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export interface RuntimeContext {
  probe: string;
  log(level: 'info' | 'warn', msg: string): void;
  /** Whether the probe is still starting or running (a late connection is then dropped). */
  alive(): boolean;
  /** Least time between two forced GCs (the heap floor). */
  gcFloorIntervalMs: number;
  /** A probe event on the bus (e.g. `runtime-missing`: the verdict then says why it has no heap view). */
  event(kind: string, data: Record<string, unknown>): void;
}

export interface LanguageRuntime {
  /** The launch with whatever the runtime needs to be reachable (e.g. `--inspect`). */
  prepare(launch: RuntimeLaunch): RuntimeLaunch;
  /** Every output line of the program (a runtime may announce itself there). */
  onLine(stream: 'stdout' | 'stderr', line: string): void;
  /** After spawn: connects to the program, giving up after `timeoutMs` or early when it cannot be; never rejects. */
  connect(pid: number, timeoutMs: number): Promise<void>;
  /** The heap now, bounded by `timeoutMs`; undefined when not connected or no answer. */
  readHeap(timeoutMs: number): Promise<RuntimeHeap | undefined>;
  /**
   * The heap used when last read (how much a snapshot serialises), or why no snapshot can be
   * taken; `format: 'python-look'` when the snapshot is a Python agent's look, not a V8 heap.
   */
  evidence(): { supported: true; heapBytes: number } | { supported: false; why: string };
  /** Writes a heap snapshot into `file` (created 0600, never overwritten). */
  snapshot(file: string): Promise<void>;
  /** The program exited or is being stopped: drop the connection and any pending wait. */
  close(): void;
}

/** Makes the runtime a probe asks for (e.g. `node: true`), or undefined when it asks for another. */
export type RuntimeFactory = (spec: ProcessProbeSpec, ctx: RuntimeContext) => LanguageRuntime | undefined;

/** A program exsoak knows no runtime of: measured from outside only. */
export const NO_RUNTIME: LanguageRuntime = {
  prepare: (launch) => launch,
  onLine: () => {},
  connect: async () => {},
  readHeap: async () => undefined,
  evidence: () => ({ supported: false, why: 'the probe has no heap exsoak can read' }),
  snapshot: async () => {
    throw new Error('heap snapshots need a language runtime exsoak can read (node: true)');
  },
  close: () => {},
};
