// Conditions that faults switch on for a while and that every request or message consults: the
// server clock's skew, added latency, and budgets of REST answers to spoil (http5xx, http429).
// Kept apart from the handlers so REST and WS read one source of truth.

export type Channel = 'rest' | 'public' | 'private';

interface Budget {
  kind: 'http5xx' | 'http429';
  remaining: number;
  status: number;
  target?: string;
}

/** A fault's `target`: 'all'/absent for everything, 'rest', 'public', 'private', or an endpoint/path prefix. */
export function targets(target: string | undefined, channel: Channel, endpointOrPath = ''): boolean {
  if (!target || target === 'all' || target === 'one') return true;
  const t = target.replace(/^\/+|\/+$/g, '').replace(/^api\/v1\/futures\//, '');
  if (t === channel) return true;
  return endpointOrPath !== '' && endpointOrPath.replace(/^\/+/, '').startsWith(t);
}

export class Conditions {
  private skewMs = 0;
  private latency: { ms: number; target?: string } | undefined;
  private readonly budgets: Budget[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  /** The server's clock: what timestamps are checked against and pushes are stamped with. */
  now(): number {
    return Date.now() + this.skewMs;
  }

  get skew(): number {
    return this.skewMs;
  }

  setSkew(ms: number, durationMs?: number): void {
    this.skewMs = ms;
    if (durationMs !== undefined) this.later(durationMs, () => (this.skewMs = 0));
  }

  setLatency(ms: number, target: string | undefined, durationMs?: number): void {
    const entry = ms > 0 ? { ms, target } : undefined;
    this.latency = entry;
    if (durationMs !== undefined) {
      this.later(durationMs, () => {
        if (this.latency === entry) this.latency = undefined;
      });
    }
  }

  latencyFor(channel: Channel, endpointOrPath = ''): number {
    if (!this.latency) return 0;
    return targets(this.latency.target, channel, endpointOrPath) ? this.latency.ms : 0;
  }

  addBudget(kind: Budget['kind'], count: number, status: number, target?: string): void {
    this.budgets.push({ kind, remaining: count, status, target });
  }

  /** Consumes one spoiled answer meant for this endpoint, if any is left. */
  takeBudget(endpoint: string): { kind: Budget['kind']; status: number } | undefined {
    const index = this.budgets.findIndex((b) => targets(b.target, 'rest', endpoint));
    if (index < 0) return undefined;
    const budget = this.budgets[index]!;
    if (--budget.remaining <= 0) this.budgets.splice(index, 1);
    return { kind: budget.kind, status: budget.status };
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private later(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }
}
