// The 8 h checklist records memory at hours 0, 1, 2, 4, 6 and 8. The same shape (0, 1/8, 1/4,
// 1/2, 3/4 and the whole of the run) serves any length: a compressed 8 h run keeps the seed's
// hour labels at its own scaled times, so its table reads like the one its users keep by hand.

/** Where the checkpoints fall, as fractions of the run. */
const MEMORY_CHECKPOINTS = [0, 1 / 8, 1 / 4, 1 / 2, 3 / 4, 1] as const;

export interface MemoryRow {
  /** The checkpoint in the scenario's own (nominal) time, e.g. "h4" or "45m". */
  label: string;
  /** When it falls, ms after the start of this run (scaled when the run is compressed). */
  atMs: number;
  /**
   * Process RSS at the last sample at or before `atMs` (for 0: the initial sample, the first after
   * start-up; for the end: the last); null if the run ended before.
   */
  rssMb: number | null;
  /** Each process probe's own RSS at this checkpoint (kind: process), beside the supervisor's. */
  probesRssMb?: Record<string, number | null>;
}

/**
 * The table kept as samples arrive: one figure per checkpoint, so a 24 h run at 1 s sampling
 * holds six numbers, not 86,400 (the harness must not grow the RSS it measures).
 */
export class MemoryCheckpoints {
  private readonly at: number[];
  private readonly values: (number | null)[];
  private last: { t: number; rssMb: number } | undefined;
  /** When h0 was retaken after start-up; the end of start-up, whose next sample retakes it. */
  private initialT: number | undefined;
  private settledAt: number | undefined;
  private readonly opts: { startedAt: number; durationMs: number; nominalMs: number };

  constructor(opts: { startedAt: number; durationMs: number; nominalMs: number }) {
    this.opts = opts;
    this.at = MEMORY_CHECKPOINTS.map((f) => opts.startedAt + Math.round(f * opts.durationMs));
    this.values = MEMORY_CHECKPOINTS.map(() => null);
  }

  /** Process RSS at h0 (the initial memory: the first sample after start-up, else the first), MB. */
  get initialMb(): number | null {
    return this.values[0]!;
  }

  /** Start-up ended at `t` (bus `run:settled`): the first sample after it is the run's initial memory, h0. */
  startUpOver(t: number): void {
    this.settledAt = t;
  }

  add(t: number, rssMb: number): void {
    const retake = this.settledAt !== undefined && t > this.settledAt;
    if (this.last === undefined || retake) {
      this.values[0] = rssMb;
      // h0 is "at 0" until start-up is over; then it is at the first sample after.
      if (retake) {
        this.initialT = t;
        this.settledAt = undefined;
      }
    }
    // Inner checkpoints: the last sample at or before them, or, when sampling is sparser than
    // the checkpoints (a compressed run), the first one after. The final one is settled in rows().
    for (let i = 1; i < this.at.length - 1; i++) if (t <= this.at[i]! || this.values[i] === null) this.values[i] = rssMb;
    this.last = { t, rssMb };
  }

  /** `endedAt`: when the run stopped measuring; a checkpoint it did not reach stays empty. */
  rows(endedAt?: number): MemoryRow[] {
    const end = endedAt ?? this.last?.t ?? this.opts.startedAt;
    const slack = Math.min(5_000, this.opts.durationMs * 0.02);
    return MEMORY_CHECKPOINTS.map((f, i) => {
      let rssMb: number | null = this.values[i]!;
      // A checkpoint after the end (an interrupted run) is unknown, not the last figure again;
      // the final one is the last sample when the run got there (its stop sample lands a hair late).
      if (i > 0 && this.at[i]! > end + slack) rssMb = null;
      else if (i === this.at.length - 1) rssMb = this.last?.rssMb ?? null;
      const at = i === 0 && this.initialT !== undefined ? Math.max(this.opts.startedAt, this.initialT) : this.at[i]!;
      return { label: checkpointLabel(f * this.opts.nominalMs), atMs: at - this.opts.startedAt, rssMb: rssMb === null ? null : Math.round(rssMb * 10) / 10 };
    });
  }
}

/**
 * The table from process RSS samples in time order (results read back from samples.ndjson);
 * `settledAt`: run.json's end of start-up, whose next sample is h0.
 */
export function memoryTable(points: Iterable<{ t: number; rssMb: number }>, opts: { startedAt: number; durationMs: number; nominalMs: number; endedAt?: number; settledAt?: number }): MemoryRow[] {
  const table = new MemoryCheckpoints(opts);
  if (opts.settledAt !== undefined) table.startUpOver(opts.settledAt);
  for (const p of points) table.add(p.t, p.rssMb);
  return table.rows(opts.endedAt);
}

function checkpointLabel(ms: number): string {
  if (ms % 3_600_000 === 0) return `h${ms / 3_600_000}`;
  if (ms >= 3_600_000) return `h${Math.round((ms / 3_600_000) * 100) / 100}`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}
