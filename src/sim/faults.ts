// Fault plans shared by both simulators: a schedule of faults at fixed offsets plus random rates.
// Every fault that fires is recorded with its time so tests can reconcile what a probe saw with
// what was injected. Simulators supply the handlers; this module only decides *when*.
import { z } from 'zod';
import { duration } from '../shared/fields.ts';

const FAULT_KINDS = [
  'drop', // close a connection with `code` (default 1006 = abrupt, no close frame)
  'reset', // TCP reset (socket.resetAndDestroy)
  'stall', // keep the socket open but send nothing and answer no pings for `duration`
  'malformed', // send a frame that is not JSON
  'truncated', // send a JSON frame cut short
  'oversized', // send a frame larger than `bytes`
  'burst', // send `count` messages as fast as possible
  'latency', // delay every outgoing message / REST answer by `delay` for `duration`
  'http5xx', // answer the next `count` REST calls with `status` (default 503)
  'http429', // answer the next `count` REST calls with a rate-limit error
  'rejectLogin', // reject the next `count` WS logins
  'clockSkew', // shift the server clock by `delay` for `duration`
  'shutdown', // announce serverShutdown, then close (a scheduled disconnect)
  'restart', // close every connection and the listener, listen again on the same port after `duration`
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const durationish = duration;

export const FaultSpecSchema = z
  .object({
    at: durationish.describe('offset from simulator start'),
    kind: z.enum(FAULT_KINDS),
    code: z.number().int().min(1000).max(4999).optional(),
    duration: durationish.optional(),
    delay: durationish.optional(),
    count: z.number().int().positive().optional(),
    status: z.number().int().min(400).max(599).optional(),
    bytes: z.number().int().positive().optional(),
    /** Which connections/endpoints: 'all' (default), 'one', or a path/endpoint prefix. */
    target: z.string().optional(),
  })
  .strict();
export type FaultSpec = z.infer<typeof FaultSpecSchema>;

export const FaultPlanSchema = z
  .object({
    schedule: z.array(FaultSpecSchema).default([]),
    /** Random faults: kind -> mean occurrences per minute (Poisson), drawn from `seed`. */
    random: z.partialRecord(z.enum(FAULT_KINDS), z.number().nonnegative()).default({}),
    seed: z.number().int().default(1),
  })
  .strict();
export type FaultPlan = z.infer<typeof FaultPlanSchema>;
export type FaultPlanInput = z.input<typeof FaultPlanSchema>;

export interface FaultRecord {
  t: number;
  kind: FaultKind;
  source: 'schedule' | 'random' | 'api';
  detail?: Record<string, unknown>;
}

export type FaultHandler = (spec: FaultSpec) => Record<string, unknown> | void;

/** Deterministic PRNG (mulberry32) so the same seed gives the same faults and the same streams. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  readonly log: FaultRecord[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private readonly plan: FaultPlan;
  private readonly rand: () => number;

  private readonly handlers: Partial<Record<FaultKind, FaultHandler>>;

  constructor(plan: FaultPlanInput | undefined, handlers: Partial<Record<FaultKind, FaultHandler>>) {
    this.handlers = handlers;
    this.plan = FaultPlanSchema.parse(plan ?? {});
    this.rand = mulberry32(this.plan.seed);
  }

  start(): void {
    for (const spec of this.plan.schedule) this.later(spec.at, () => this.fire(spec, 'schedule'));
    for (const [kind, perMinute] of Object.entries(this.plan.random)) {
      if (perMinute && perMinute > 0) this.scheduleRandom(kind as FaultKind, perMinute);
    }
  }

  /** Fire a fault now (tests and the CLI use this). Returns what the handler reported. */
  fire(spec: FaultSpec | (Partial<FaultSpec> & { kind: FaultKind }), source: FaultRecord['source'] = 'api') {
    const full = { at: 0, ...spec } as FaultSpec;
    const handler = this.handlers[full.kind];
    if (!handler) throw new Error(`this simulator does not support fault "${full.kind}"`);
    const detail = handler(full) ?? {};
    const { at: _at, kind: _kind, ...params } = full;
    const record: FaultRecord = { t: Date.now(), kind: full.kind, source, detail: { ...params, ...detail } };
    this.log.push(record);
    return record;
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private scheduleRandom(kind: FaultKind, perMinute: number): void {
    const waitMs = (-Math.log(1 - this.rand()) / perMinute) * 60_000;
    this.later(waitMs, () => {
      this.fire({ kind, at: 0 }, 'random');
      this.scheduleRandom(kind, perMinute);
    });
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }
}
