// The verdict as Prometheus series, live: so an alert can fire on a broken threshold or a
// confirmed leak hours before a soak ends, and one Prometheus can watch a fleet of exsoak hosts.
// Fed by the verdict engine's `verdict:progress` bus event (names are a contract: docs/metrics.md).
import { Gauge, type Registry } from './prom.ts';
import type { RunInfo, VerdictProgress } from '../bus/types.ts';

const MB = 1024 * 1024;
const LEAK_STATUS: Record<string, number> = { suspected: 1, confirmed: 2, bounded: 3 };

/**
 * A `msg_rate[.agg] > N` (or `>=`) threshold is the probe's message-rate floor. Read from the
 * expression text here because the metrics consumer must not import the verdict's parser; the
 * grammar is fixed (`<metric>[.<aggregate>] <op> <number> [over <duration>]`).
 */
const MSG_RATE_FLOOR = /^\s*msg_rate(?:\.[a-z0-9_]+)?\s*(?:>=|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\b/i;

export function msgRateFloor(expr: string): number | undefined {
  const m = MSG_RATE_FLOOR.exec(expr);
  return m ? Number(m[1]) : undefined;
}

export class VerdictGauges {
  readonly thresholdOk: Gauge<'probe' | 'threshold'>;
  readonly leakStatus: Gauge<'probe'>;
  readonly leakSlope: Gauge<'probe' | 'bound'>;
  readonly failed: Gauge<'probe'>;
  readonly msgRateFloor: Gauge<'probe'>;
  /** Probes whose leak was confirmed once: the early signal holds at 2 until the growth is shown to have stopped. */
  private readonly confirmed = new Set<string>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.thresholdOk = new Gauge({
      name: 'exsoak_threshold_ok',
      help: 'Whether a criterion holds so far: 1 pass, 0 fail; absent until it can be evaluated (probe="process" for process thresholds).',
      labelNames: ['probe', 'threshold'],
      registers,
    });
    this.leakStatus = new Gauge({
      name: 'exsoak_probe_leak_status',
      help: 'Leak detector status: 0 none or not enough data yet, 1 suspected, 2 confirmed (held from the first confirmation), 3 bounded: grew, then stopped (probe="process": the process RSS trend).',
      labelNames: ['probe'],
      registers,
    });
    this.leakSlope = new Gauge({
      name: 'exsoak_probe_leak_slope_bytes_per_hour',
      help: 'Heap-floor trend (RSS for probe="process"), bytes per hour: the Theil-Sen estimate and its confidence bounds.',
      labelNames: ['probe', 'bound'],
      registers,
    });
    this.failed = new Gauge({ name: 'exsoak_probe_failed', help: '1 once the probe has crashed, else 0.', labelNames: ['probe'], registers });
    this.msgRateFloor = new Gauge({
      name: 'exsoak_probe_msg_rate_floor',
      help: "The probe's message-rate floor from its msg_rate > N threshold, messages per second (only probes with one).",
      labelNames: ['probe'],
      registers,
    });
  }

  onRunStart(info: RunInfo): void {
    // Present from the start at 0, like every per-probe series: absent would read as "no probe".
    for (const name of [...info.probes.map((p) => p.name), 'process']) {
      this.leakStatus.set({ probe: name }, 0);
      this.failed.set({ probe: name }, 0);
    }
  }

  onProgress(progress: VerdictProgress): void {
    for (const [probe, p] of Object.entries(progress.probes)) {
      this.failed.set({ probe }, p.failed ? 1 : 0);
      // The verdict is re-judged to the end; the alert's signal is not taken back by a wobble of
      // the figures, only by a plateau (3).
      if (p.leak.status === 'confirmed') this.confirmed.add(probe);
      const status = p.leak.status !== 'bounded' && this.confirmed.has(probe) ? 'confirmed' : p.leak.status;
      this.leakStatus.set({ probe }, LEAK_STATUS[status] ?? 0);
      const bounds = { estimate: p.leak.slopeMbPerH, low: p.leak.lowMbPerH, high: p.leak.highMbPerH };
      for (const [bound, mbPerH] of Object.entries(bounds)) {
        if (typeof mbPerH === 'number' && Number.isFinite(mbPerH)) this.leakSlope.set({ probe, bound }, Math.round(mbPerH * MB));
      }
      for (const c of p.criteria) {
        const floor = msgRateFloor(c.expr);
        if (floor !== undefined) this.msgRateFloor.set({ probe }, floor);
        if (c.pass !== null) this.thresholdOk.set({ probe, threshold: c.expr }, c.pass ? 1 : 0);
      }
    }
  }
}
