// Cancelling: cancel_orders in batches (extras found by reconciling, and everything at stop), and
// the stop sweep, which cancels every order this executor may have resting and verifies it against
// the pending list until none of ours is left or the rounds run out.
import { backoffDelay, sleep } from '../backoff.ts';
import { isBitunixError } from '../errors.ts';
import type { BitunixRest } from '../rest.ts';
import type { FillCloser } from './fill-closer.ts';
import type { OrderLedger } from './ledger.ts';
import { failureNotice, type Notices } from './notices.ts';

export interface CancelContext {
  rest: BitunixRest;
  symbol: string;
  orders: OrderLedger;
  fills: FillCloser;
  notices: Notices;
}

const BATCH = 20;
const SWEEP_ROUNDS = 4;

/** cancel_orders in batches; returns how many the exchange reported cancelled. */
export async function cancelOrders(ctx: CancelContext, targets: Array<{ orderId?: string; clientId?: string | undefined }>): Promise<number> {
  const { rest, symbol, orders, fills, notices } = ctx;
  let cancelled = 0;
  for (let i = 0; i < targets.length; i += BATCH) {
    const batch = targets.slice(i, i + BATCH).map((o) => (o.orderId ? { orderId: o.orderId } : { clientId: o.clientId! }));
    const result = await rest.cancelOrders(symbol, batch);
    for (const ok of result.successList) {
      const tracked = (ok.orderId && orders.get(ok.orderId)) || orders.findByClientId(ok.clientId);
      const orderId = ok.orderId ?? tracked?.orderId;
      if (!orderId) continue;
      cancelled++;
      // It may have filled before the cancel landed: its final fill is read before it is forgotten.
      fills.checkLater(orderId);
      if (tracked) orders.drop(tracked.orderId);
      notices.order({ action: 'cancelled', orderId, clientId: ok.clientId ?? tracked?.clientId });
    }
  }
  return cancelled;
}

/** Cancels every order this executor placed; returns how many may still rest. */
export async function sweepAtStop(ctx: CancelContext, retry: { baseMs: number; maxMs: number }): Promise<number> {
  const { rest, symbol, orders, notices } = ctx;
  // Nothing was ever placed (e.g. locked at startup): there is nothing to look for.
  if (!orders.placedAny && orders.size === 0) return 0;
  for (let round = 0; round < SWEEP_ROUNDS; round++) {
    try {
      const targets: Array<{ orderId?: string; clientId?: string }> = [
        ...orders.ids().map((orderId) => ({ orderId })),
        ...[...orders.unresolvedClientIds].map((clientId) => ({ clientId })),
      ];
      if (targets.length > 0) await cancelOrders(ctx, targets);
      // Verify: whatever of ours still rests gets another round.
      const { orders: pending } = await rest.getPendingOrders({ symbol, limit: 100 });
      const ours = pending.filter((o) => orders.isOurs(o));
      const resting = new Set(ours.map((o) => o.orderId));
      for (const order of ours) orders.adopt(order);
      for (const id of orders.ids()) if (!resting.has(id)) orders.drop(id);
      // A clientId that is not resting after a cancel round is settled either way.
      orders.unresolvedClientIds.clear();
      orders.current = undefined;
      if (orders.size === 0) return 0;
    } catch (err) {
      notices.error(failureNotice('stop', err));
      if (isBitunixError(err) && err.kind === 'auth') break; // cannot act without credentials
      await sleep(backoffDelay(round, retry));
    }
  }
  const left = orders.size + orders.unresolvedClientIds.size;
  if (left > 0) notices.error({ op: 'stop', kind: 'internal', message: `${left} order(s) may still rest after stop: ${orders.ids().join(', ')}` });
  return left;
}
