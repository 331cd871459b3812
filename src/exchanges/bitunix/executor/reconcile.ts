// Reconciling: one look at the exchange decides what is true. Pending orders of the symbol plus
// the detail of whatever is missing: untracked orders of ours are adopted, finished ones dropped,
// unknown ones (20007) asked again before they are written off, whatever filled is closed, and
// more than one resting means cancelling the extras. The executor's loop repeats the look and
// acts on its answer.
import { isOrderNotFound } from '../errors.ts';
import type { BitunixRest } from '../rest.ts';
import { isFilledStatus, isLiveStatus, type Order } from '../types.ts';
import type { FillCloser } from './fill-closer.ts';
import { settlePrice, type OrderLedger, type TrackedOrder } from './ledger.ts';
import type { Notices } from './notices.ts';
import type { PositionModeGuard } from './position-mode.ts';

export type Resolution =
  | { to: 'WORKING' | 'IDLE'; reason: string }
  | { to: 'CANCELLING'; reason: string; extras: TrackedOrder[] }
  | { to: 'ERROR_LOCK'; reason: string };

export interface ReconcilerOptions {
  rest: BitunixRest;
  symbol: string;
  orders: OrderLedger;
  fills: FillCloser;
  mode: PositionModeGuard;
  notices: Notices;
  /** How many reconcile rounds an order may be unknown to the exchange before it is written off. */
  unknownOrderRetries: number;
  /** How many times duplicates may survive cancelling before the executor locks. */
  maxCancelRounds: number;
}

export class Reconciler {
  private readonly options: ReconcilerOptions;
  private readonly unknownStrikes = new Map<string, number>();
  private cancelRounds = 0;

  constructor(options: ReconcilerOptions) {
    this.options = options;
  }

  /** The look ended in IDLE or WORKING: the cancel rounds start over. */
  settled(): void {
    this.cancelRounds = 0;
  }

  /**
   * One look at the exchange. Returns where to go, or 'again' when the answer is not final yet.
   * `placing` is the clientId of a placement still in flight (not looked up).
   */
  async once(placing: string | undefined): Promise<Resolution | 'again'> {
    const { rest, symbol, orders, fills, mode } = this.options;
    const { orders: pending } = await rest.getPendingOrders({ symbol, limit: 100 });
    const resting = new Map<string, Order>();
    for (const order of pending) if (orders.isOurs(order)) resting.set(order.orderId, order);

    // Orders the exchange shows us that we did not know: placements whose ack was lost.
    for (const order of resting.values()) {
      this.adopt(order);
      if (order.clientId) orders.unresolvedClientIds.delete(order.clientId);
    }

    // Placements with an unknown outcome that are not resting: did they ever exist?
    for (const clientId of [...orders.unresolvedClientIds]) {
      if (clientId === placing) continue;
      const found = await rest.findByClientId(clientId);
      orders.unresolvedClientIds.delete(clientId);
      if (found && isLiveStatus(found.status)) {
        this.adopt({ ...found, clientId });
        resting.set(found.orderId, found);
      }
    }

    // Tracked orders missing from the pending list: finished, lagging, or unknown.
    let unresolved = false;
    for (const order of resting.values()) fills.note(order.orderId, order.tradeQty);
    for (const tracked of orders.orders()) {
      if (resting.has(tracked.orderId)) {
        this.unknownStrikes.delete(tracked.orderId);
        continue;
      }
      let detail: Order | undefined;
      try {
        detail = await rest.getOrderDetail({ orderId: tracked.orderId });
      } catch (err) {
        if (!isOrderNotFound(err)) throw err;
      }
      if (detail) fills.note(tracked.orderId, detail.tradeQty);
      if (detail && isLiveStatus(detail.status)) {
        // The list lags behind the order; the detail is the fresher word.
        resting.set(tracked.orderId, detail);
        this.unknownStrikes.delete(tracked.orderId);
        continue;
      }
      if (detail) {
        this.forget(tracked, isFilledStatus(detail.status) ? 'filled' : 'cancelled', detail.status);
        fills.finished(tracked.orderId);
        continue;
      }
      const strikes = (this.unknownStrikes.get(tracked.orderId) ?? 0) + 1;
      this.unknownStrikes.set(tracked.orderId, strikes);
      if (strikes <= this.options.unknownOrderRetries) {
        unresolved = true; // 20007 says "try it later": ask again before believing it
        continue;
      }
      // Neither resting nor known: it cannot be working. Write it off, but an order vanishing
      // without a trace may mean the account changed under us, so check the position mode.
      this.forget(tracked, 'lost', 'unknown to the exchange');
      mode.requestRecheck();
    }
    // Before anything else is decided: whatever filled is closed now (throws to retry on failure).
    await fills.settle();
    if (unresolved) return 'again';

    await mode.recheckIfRequested(); // throws LockRequest on an unfixable mismatch

    const liveOrders = orders.orders();
    if (liveOrders.length === 0) {
      orders.current = undefined;
      return { to: 'IDLE', reason: 'no order of ours rests' };
    }
    // Keep the one we think is working, else the oldest (it has the best queue position).
    const current = orders.current;
    const keep = (current && orders.get(current.orderId)) || liveOrders[0]!;
    const extras = liveOrders.filter((o) => o !== keep);
    // What the exchange says wins over what we think.
    const truth = resting.get(keep.orderId);
    if (truth?.price !== undefined) {
      // Applied or not, a pending modify is settled now: the next tick modifies again if needed.
      settlePrice(keep, truth.price);
    }
    orders.current = keep;
    if (extras.length > 0) {
      this.cancelRounds++;
      const max = this.options.maxCancelRounds;
      if (this.cancelRounds > max) {
        return { to: 'ERROR_LOCK', reason: `unknown order persists: ${extras.map((o) => o.orderId).join(', ')} still rests after ${max} cancel rounds` };
      }
      return { to: 'CANCELLING', reason: `${extras.length} extra order(s) of ours rest`, extras };
    }
    return { to: 'WORKING', reason: `order ${keep.orderId} rests @ ${keep.price}` };
  }

  private adopt(order: Order): void {
    const tracked = this.options.orders.adopt(order);
    if (tracked) this.options.notices.order({ action: 'adopted', orderId: tracked.orderId, clientId: tracked.clientId, price: order.price });
  }

  private forget(order: TrackedOrder, action: 'filled' | 'cancelled' | 'lost', status: string | undefined): void {
    this.options.orders.drop(order.orderId);
    this.unknownStrikes.delete(order.orderId);
    this.options.notices.order({ action, orderId: order.orderId, clientId: order.clientId, price: status ? `${order.price} (${status})` : order.price });
  }
}
