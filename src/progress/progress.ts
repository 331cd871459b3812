// The live status of a run on stderr: redrawn in place on a TTY, a plain summary line every
// `everyMs` elsewhere (CI logs, files). A bus consumer: it knows samples, not the verdict engine.
import type { Bus } from '../bus/bus.ts';
import type { Sample } from '../bus/types.ts';
import { MB, formatDuration } from '../scenario/units.ts';

export interface ProgressOptions {
  bus: Bus;
  out: NodeJS.WriteStream;
  durationMs: number;
  startedAt: number;
  /** Off a TTY: how often to print a summary line. */
  everyMs: number;
  color: boolean;
}

export class Progress {
  private readonly latest = new Map<string, Sample>();
  private lastPlain = 0;
  private drawn = false;
  private readonly opts: ProgressOptions;

  constructor(opts: ProgressOptions) {
    this.opts = opts;
    opts.bus.on('sample', (sample) => this.onSample(sample));
  }

  private onSample(sample: Sample): void {
    this.latest.set(sample.probe, sample);
    if (sample.probe !== 'process') return;
    const now = sample.t;
    if (this.opts.out.isTTY) {
      this.opts.out.write(`\r\u001b[K${this.line(now)}`);
      this.drawn = true;
    } else if (now - this.lastPlain >= this.opts.everyMs) {
      this.lastPlain = now;
      this.opts.out.write(`${this.line(now)}\n`);
    }
  }

  line(now: number): string {
    const elapsed = now - this.opts.startedAt;
    const parts = [`${formatDuration(elapsed)}/${formatDuration(this.opts.durationMs)}`];
    for (const [probe, s] of this.latest) {
      if (probe === 'process') continue;
      const heap = s.heapUsed === null ? 'unresponsive' : `heap ${(s.heapUsed / MB).toFixed(1)}MB`;
      const floor = s.heapFloor === null ? '' : ` floor ${(s.heapFloor / MB).toFixed(1)}MB`;
      const msgs = s.counters.messages !== undefined ? ` msgs ${s.counters.messages}` : '';
      const rec = s.counters.ws_reconnects ? ` reconn ${s.counters.ws_reconnects}` : '';
      parts.push(`${probe}: ${heap}${floor}${msgs}${rec}`);
    }
    const proc = this.latest.get('process');
    if (proc) parts.push(`rss ${(proc.rss / MB).toFixed(0)}MB cpu ${proc.cpu.toFixed(0)}%`);
    return parts.join(' | ');
  }

  /** Ends the redrawn line so later output starts on a fresh one. */
  finish(): void {
    if (this.drawn) this.opts.out.write('\n');
    this.drawn = false;
  }
}
