// What the executor tells its listeners, and the narrow sink its parts report through: the parts
// (ledger, reconciler, fill closer, quotes, stop sweep) never hold the emitter itself.
import { isBitunixError, type BitunixErrorKind } from '../errors.ts';
import type { ExecutorState, StuckEvent, TransitionEvent } from './state-machine.ts';

type OrderAction = 'placed' | 'modified' | 'cancelled' | 'filled' | 'lost' | 'adopted';

export interface OrderNotice {
  action: OrderAction;
  orderId: string;
  clientId?: string | undefined;
  price?: string | undefined;
}

/**
 * A fill of one of our orders (`fill`), and the reduce-only close of that quantity (`close`);
 * `skipped` says why a close was not sent (the position was already gone).
 */
interface FillNotice {
  phase: 'fill' | 'close';
  orderId: string;
  qty: string;
  positionId?: string | undefined;
  closeOrderId?: string | undefined;
  skipped?: string | undefined;
}

export interface ExecutorErrorNotice {
  op: string;
  kind: BitunixErrorKind | 'internal';
  code?: number | undefined;
  message: string;
}

export interface HedgeLimitExecutorEvents {
  transition: (event: TransitionEvent<ExecutorState>) => void;
  stuck: (event: StuckEvent<ExecutorState>) => void;
  order: (notice: OrderNotice) => void;
  error: (notice: ExecutorErrorNotice) => void;
  fill: (notice: FillNotice) => void;
}

/** Where the executor's parts send what they have to say. */
export interface Notices {
  order(notice: OrderNotice): void;
  fill(notice: FillNotice): void;
  error(notice: ExecutorErrorNotice): void;
}

/** A failed call as an `error` notice: the exchange's kind and code when it is a BitunixError. */
export function failureNotice(op: string, err: unknown): ExecutorErrorNotice {
  if (isBitunixError(err)) return { op, kind: err.kind, code: err.code, message: err.message };
  return { op, kind: 'internal', message: describe(err) };
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
