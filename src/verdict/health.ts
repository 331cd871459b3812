// Whether each probe was actually observed and stopped as asked: a worker that never answered,
// or had to be terminated at the stop, must not pass on the strength of one sample. And whether
// the sampler kept its interval: a verdict over a tenth of the planned samples has to say so.
import type { ProbeEvent, Sample } from '../bus/types.ts';
import type { Criterion } from '../bus/verdict.ts';
import { samplerGapFails } from '../shared/sampler-gap.ts';

/** The exit reason WorkerHost gives a worker whose thread was terminated after the stop grace. */
const TERMINATED = /terminated after the stop grace period/;

export class ProbeHealth {
  private readonly samples = new Map<string, number>();
  private readonly unresponsive = new Map<string, number>();
  private readonly terminated = new Set<string>();
  private lag: { intervalMs: number; worstGapMs: number; lateTicks: number } | undefined;
  /** What each probe's input lost (the latest `probe-input` counts): verdict.json's probes.NAME.input. */
  private readonly inputs = new Map<string, Record<string, number>>();
  private readonly maxShare: number;

  constructor(maxUnresponsiveShare: number) {
    this.maxShare = maxUnresponsiveShare;
  }

  onSample(sample: Sample): void {
    if (sample.probe === 'process') return;
    this.samples.set(sample.probe, (this.samples.get(sample.probe) ?? 0) + 1);
    if (sample.unresponsive) this.unresponsive.set(sample.probe, (this.unresponsive.get(sample.probe) ?? 0) + 1);
  }

  onEvent(event: ProbeEvent): void {
    if (event.kind === 'exit' && TERMINATED.test(String(event.data?.reason ?? ''))) this.terminated.add(event.probe);
    if (event.kind === 'probe-input' && event.data) {
      const { final: _final, ...counts } = event.data as Record<string, number>;
      this.inputs.set(event.probe, counts);
    }
    if (event.kind === 'sampler-lag') {
      const d = event.data as { intervalMs: number; worstGapMs: number; lateTicks: number };
      this.lag = { intervalMs: d.intervalMs, worstGapMs: Math.max(this.lag?.worstGapMs ?? 0, d.worstGapMs), lateTicks: d.lateTicks };
    }
  }

  /** Failing criteria of one probe (none when it was healthy). */
  criteria(probe: string): Criterion[] {
    const out: Criterion[] = [];
    const total = this.samples.get(probe) ?? 0;
    const silent = this.unresponsive.get(probe) ?? 0;
    if (total > 0) {
      const share = silent / total;
      if (share > this.maxShare) {
        out.push({ expr: `unresponsive share <= ${this.maxShare}`, value: Math.round(share * 1000) / 1000, pass: false, note: `${silent} of ${total} samples found its event loop blocked` });
      }
    }
    if (this.terminated.has(probe)) out.push({ expr: 'stopped when asked', value: 'terminated after the stop grace period', pass: false });
    return out;
  }

  /** What was dropped or replaced of a probe's input, when anything was. */
  input(probe: string): Record<string, number> | undefined {
    return this.inputs.get(probe);
  }

  /**
   * The process scope's note when the sampler could not keep its interval: informational while
   * the gaps are short, a failure once one is too long to trust the samples (src/shared/sampler-gap.ts).
   */
  processCriteria(): Criterion[] {
    if (!this.lag) return [];
    const fails = samplerGapFails(this.lag.worstGapMs, this.lag.intervalMs);
    return [
      {
        expr: 'sampler kept its interval',
        value: `${this.lag.lateTicks} late tick(s), worst gap ${this.lag.worstGapMs} ms`,
        pass: !fails,
        note: fails
          ? `no sample for ${this.lag.worstGapMs} ms: thresholds could not be checked in that time (an overloaded machine, or a probe flooding the supervisor)`
          : `sampleInterval ${this.lag.intervalMs} ms was not kept: the machine is overloaded (fewer probes, or a longer sampleInterval)`,
      },
    ];
  }
}
