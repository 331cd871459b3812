// An explicit finite-state machine: the table is the specification, a transition outside it is a
// bug and throws. Every transition is an event (from, to, reason, time); a state held longer than
// its timeout raises `stuck` (once per timeout period held) so a hung executor is visible even
// when nothing else happens.
import { EventEmitter } from 'eventemitter3';

export interface TransitionEvent<S extends string> {
  from: S;
  to: S;
  reason: string;
  /** ms epoch of the transition */
  at: number;
  /** how long `from` was held */
  heldMs: number;
}

export interface StuckEvent<S extends string> {
  state: S;
  heldMs: number;
  limitMs: number;
  /** why the state was entered */
  reason: string;
  since: number;
}

export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError';
  readonly from: string;
  readonly to: string;

  constructor(from: string, to: string, reason: string) {
    super(`illegal transition ${from} → ${to} (${reason})`);
    this.from = from;
    this.to = to;
  }
}

export interface StateMachineOptions<S extends string> {
  initial: S;
  transitions: Readonly<Record<S, readonly S[]>>;
  /** Longest a state may be held before `stuck` fires (ms); absent = no limit. */
  timeouts?: Partial<Record<S, number>>;
  now?: () => number;
}

export interface StateMachineEvents<S extends string> {
  transition: (event: TransitionEvent<S>) => void;
  stuck: (event: StuckEvent<S>) => void;
}

export class StateMachine<S extends string> extends EventEmitter<StateMachineEvents<S>> {
  private current: S;
  private enteredAt: number;
  private enteredReason = 'initial';
  private readonly transitions: Readonly<Record<S, readonly S[]>>;
  private readonly timeouts: Partial<Record<S, number>>;
  private readonly now: () => number;
  private readonly totals = new Map<S, number>();
  private stuckTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  transitionCount = 0;

  constructor(options: StateMachineOptions<S>) {
    super();
    this.current = options.initial;
    this.transitions = options.transitions;
    this.timeouts = options.timeouts ?? {};
    this.now = options.now ?? Date.now;
    this.enteredAt = this.now();
    this.armStuckTimer();
  }

  get state(): S {
    return this.current;
  }

  get since(): number {
    return this.enteredAt;
  }

  get reason(): string {
    return this.enteredReason;
  }

  can(to: S): boolean {
    return this.transitions[this.current]?.includes(to) ?? false;
  }

  /** Moves to `to`; throws IllegalTransitionError when the table does not allow it. */
  transition(to: S, reason: string): TransitionEvent<S> {
    if (!this.can(to)) throw new IllegalTransitionError(this.current, to, reason);
    const at = this.now();
    const from = this.current;
    const heldMs = at - this.enteredAt;
    this.totals.set(from, (this.totals.get(from) ?? 0) + heldMs);
    this.current = to;
    this.enteredAt = at;
    this.enteredReason = reason;
    this.transitionCount++;
    this.armStuckTimer();
    const event: TransitionEvent<S> = { from, to, reason, at, heldMs };
    this.emit('transition', event);
    return event;
  }

  /** Total ms spent in `state`, including the ongoing stay. */
  timeIn(state: S): number {
    const past = this.totals.get(state) ?? 0;
    return state === this.current ? past + (this.now() - this.enteredAt) : past;
  }

  /** Stops the stuck timer (the machine keeps answering questions). */
  dispose(): void {
    this.disposed = true;
    if (this.stuckTimer) clearTimeout(this.stuckTimer);
    this.stuckTimer = undefined;
  }

  private armStuckTimer(): void {
    if (this.stuckTimer) clearTimeout(this.stuckTimer);
    this.stuckTimer = undefined;
    if (this.disposed) return;
    const limit = this.timeouts[this.current];
    if (limit === undefined || !(limit > 0)) return;
    const state = this.current;
    const since = this.enteredAt;
    const fire = () => {
      if (this.current !== state || this.enteredAt !== since || this.disposed) return;
      this.emit('stuck', { state, heldMs: this.now() - since, limitMs: limit, reason: this.enteredReason, since });
      this.stuckTimer = setTimeout(fire, limit);
      this.stuckTimer.unref?.();
    };
    this.stuckTimer = setTimeout(fire, limit);
    this.stuckTimer.unref?.();
  }
}

// ---- the executor's machine ---------------------------------------------------------------------

export const EXECUTOR_STATES = [
  'INIT',
  'STARTING', // loading the symbol, checking / setting HEDGE mode
  'IDLE', // ready, no working order
  'PLACING', // place_order in flight
  'WORKING', // exactly one order resting
  'MODIFYING', // modify_order in flight
  'CANCELLING', // cancelling (on stop, or duplicates found by reconciling)
  'RECONCILING', // asking REST what is true
  'ERROR_LOCK', // cannot resolve: no more order actions until stopped
  'STOPPED',
] as const;

export type ExecutorState = (typeof EXECUTOR_STATES)[number];

/** The specification. Reaching ERROR_LOCK is allowed from every live state: anything can fail. */
export const EXECUTOR_TRANSITIONS: Readonly<Record<ExecutorState, readonly ExecutorState[]>> = {
  INIT: ['STARTING', 'STOPPED'],
  STARTING: ['IDLE', 'ERROR_LOCK', 'STOPPED'],
  IDLE: ['PLACING', 'RECONCILING', 'CANCELLING', 'ERROR_LOCK'],
  PLACING: ['WORKING', 'IDLE', 'RECONCILING', 'ERROR_LOCK'],
  WORKING: ['MODIFYING', 'RECONCILING', 'CANCELLING', 'ERROR_LOCK'],
  MODIFYING: ['WORKING', 'RECONCILING', 'ERROR_LOCK'],
  CANCELLING: ['IDLE', 'WORKING', 'RECONCILING', 'ERROR_LOCK', 'STOPPED'],
  RECONCILING: ['WORKING', 'IDLE', 'CANCELLING', 'ERROR_LOCK'],
  ERROR_LOCK: ['CANCELLING', 'STOPPED'],
  STOPPED: [],
};

/** Defaults for `stuck`: in-flight states should last a few request timeouts at most. */
export const DEFAULT_STATE_TIMEOUTS: Partial<Record<ExecutorState, number>> = {
  STARTING: 60_000,
  PLACING: 20_000,
  MODIFYING: 20_000,
  CANCELLING: 30_000,
  RECONCILING: 30_000,
};

export function executorStateIndex(state: ExecutorState): number {
  return EXECUTOR_STATES.indexOf(state);
}

export function createExecutorMachine(
  timeouts: Partial<Record<ExecutorState, number>> = DEFAULT_STATE_TIMEOUTS,
  now?: () => number,
): StateMachine<ExecutorState> {
  return new StateMachine<ExecutorState>({
    initial: 'INIT',
    transitions: EXECUTOR_TRANSITIONS,
    timeouts,
    ...(now ? { now } : {}),
  });
}
