// `ready:` of a spawned process probe: it is ready once an output line contains the given text,
// or once a scrape of its /metrics succeeds, within `timeout`.
import type { ProcessProbeSpec } from '../../probes/process-spec.ts';

export type ReadyOutcome = 'ready' | 'timeout' | 'exited';

type ReadySpec = NonNullable<ProcessProbeSpec['ready']>;

export class Readiness {
  private readonly ready: ReadySpec;
  private readonly metricsUrl?: string;
  private resolve?: () => void;

  constructor(ready: ReadySpec, metricsUrl: string | undefined) {
    this.ready = ready;
    this.metricsUrl = metricsUrl;
  }

  /** What the probe waits for, in words (for the timeout's message). */
  get awaited(): string {
    return this.ready.metrics ? `a successful scrape of ${this.metricsUrl}` : `a line containing "${this.ready.line}"`;
  }

  get timeoutMs(): number {
    return this.ready.timeout;
  }

  /** Every stdout/stderr line of the program. */
  onLine(line: string): void {
    if (this.ready.line !== undefined && line.includes(this.ready.line)) this.resolve?.();
  }

  /**
   * Waits for readiness, the timeout, or `exited`. With `metrics: true`, `scrape` is tried every
   * 200 ms while `alive()`.
   */
  async wait(exited: Promise<void>, scrape: () => Promise<boolean>, alive: () => boolean): Promise<ReadyOutcome> {
    const isReady = new Promise<void>((resolve) => (this.resolve = resolve));
    let polling = true;
    if (this.ready.metrics) {
      void (async () => {
        while (polling && alive()) {
          if (await scrape()) return this.resolve?.();
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })();
    }
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      isReady.then(() => 'ready' as const),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.ready.timeout))),
      exited.then(() => 'exited' as const),
    ]);
    clearTimeout(timer);
    polling = false;
    this.resolve = undefined;
    return outcome;
  }
}
