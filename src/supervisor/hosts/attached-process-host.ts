// The Host of `kind: process` with `pid:`: an existing process, measured only. It is never
// signalled (not even with signal 0): only /proc is read, and its start time tells it from a
// process that reused its PID.
import type { EvidenceSupport } from '../../bus/host.ts';
import { processStartTime } from '../../sampling/process-tree.ts';
import { ProcessHostBase, type ProcessHostOptions } from './process-base.ts';
import type { RuntimeHeap } from './runtimes/runtime.ts';

/** How often an attached process is checked for existence between samples. */
const ATTACH_POLL_MS = 500;

export class AttachedProcessHost extends ProcessHostBase {
  private readonly target: number;
  private timer?: NodeJS.Timeout;
  private startTime?: number;

  constructor(opts: ProcessHostOptions) {
    super(opts);
    this.target = opts.spec.pid!;
  }

  async start(): Promise<void> {
    this.status = 'starting';
    this.lastHeard = Date.now();
    const pid = this.target;
    this.startTime = processStartTime(pid);
    if (this.startTime === undefined) {
      this.fail({ message: `attached process ${pid} does not exist`, code: 'ESRCH' }, null, null);
      return;
    }
    this.pid = pid;
    this.status = 'running';
    this.emit('start', { kind: this.kind, pid, attached: true });
    this.timer = setInterval(() => {
      if (processStartTime(pid) !== this.startTime) this.gone();
    }, ATTACH_POLL_MS);
    this.timer.unref();
  }

  private gone(): void {
    clearInterval(this.timer);
    if (!this.alive) return;
    if (this.spec.expectExit) {
      this.status = 'stopped';
      this.emit('exit', { reason: 'exited on its own', code: null, signal: null, counters: this.counters, attached: true });
      return;
    }
    this.fail({ message: `attached process ${this.pid} disappeared`, code: 'ESRCH' }, null, null);
  }

  protected onReadGone(pid: number): void {
    if (processStartTime(pid) !== this.startTime) this.gone();
  }

  protected async readHeap(): Promise<RuntimeHeap | undefined> {
    return undefined;
  }

  async evidence(): Promise<EvidenceSupport> {
    return { supported: false, why: 'the probe has no heap exsoak can read' };
  }

  async snapshot(): Promise<NodeJS.ReadableStream> {
    throw new Error(`probe ${this.name}: an attached process is measured only; no heap snapshot`);
  }

  /** An attached process is only let go, never signalled. */
  async stop(reason: string): Promise<void> {
    this.reportUnscraped();
    clearInterval(this.timer);
    if (this.alive) {
      this.status = 'stopped';
      this.emit('exit', { reason, code: null, signal: null, counters: this.counters, attached: true });
    }
  }
}
