// Fill closing: "no real fills" means any quantity the market fills on one of our orders is closed
// at once with one reduce-only HEDGE close. In HEDGE mode the side names the position (BUY+CLOSE
// closes a long, SELL+CLOSE a short; Bitunix docs, as ccxt does), so a close repeats the fill's
// side. The FillLedger counts; this reads the fills the executor did not see pushed and sends the
// closes.
import { backoffDelay, sleep } from '../backoff.ts';
import { isBitunixError, isOrderNotFound } from '../errors.ts';
import type { BitunixRest } from '../rest.ts';
import type { Side } from '../types.ts';
import { FillLedger } from './fills.ts';
import type { OrderLedger } from './ledger.ts';
import { failureNotice, type Notices } from './notices.ts';

export interface FillCloserOptions {
  rest: BitunixRest;
  symbol: string;
  side: Side;
  orders: OrderLedger;
  notices: Notices;
  retry: { baseMs: number; maxMs: number };
}

export class FillCloser {
  /** Fills seen and not yet closed. */
  readonly ledger = new FillLedger();
  /** Orders that ended (cancelled by us) whose final filled quantity is still to be read. */
  private readonly toCheck = new Set<string>();
  private readonly options: FillCloserOptions;

  constructor(options: FillCloserOptions) {
    this.options = options;
  }

  /** `orderId` has `tradeQty` filled in total: a `fill` notice for whatever part is new. */
  note(orderId: string, tradeQty: string | undefined): void {
    const qty = this.ledger.note(orderId, tradeQty);
    if (qty !== undefined) this.options.notices.fill({ phase: 'fill', orderId, qty });
  }

  /** The order ended without us seeing its final fill: read it before the next close. */
  checkLater(orderId: string): void {
    this.toCheck.add(orderId);
  }

  /** The order is finished: no further fill can come. */
  finished(orderId: string): void {
    this.ledger.settle(orderId);
  }

  /**
   * Reads the final fill of orders that ended without us seeing it, then closes everything filled
   * and not yet closed. Throws when the exchange cannot be asked: the ledger keeps the quantity
   * for the next try.
   */
  async settle(): Promise<void> {
    const { rest, symbol, side, orders, notices } = this.options;
    for (const orderId of [...this.toCheck]) {
      try {
        const detail = await rest.getOrderDetail({ orderId });
        this.note(orderId, detail.tradeQty);
      } catch (err) {
        if (!isOrderNotFound(err)) throw err;
      }
      this.toCheck.delete(orderId);
      if (!orders.has(orderId)) this.ledger.settle(orderId);
    }
    if (this.ledger.isFlat) return;
    const qty = this.ledger.open;
    const positionSide = side === 'BUY' ? 'LONG' : 'SHORT';
    const positions = await rest.getPendingPositions({ symbol });
    const position = positions.find((p) => p.side === positionSide && (p.symbol === undefined || p.symbol === symbol));
    if (!position) {
      // Nothing of that side is open: closed already (by a previous close whose ack was lost).
      this.ledger.closed(qty);
      notices.fill({ phase: 'close', orderId: '', qty, skipped: `no ${positionSide} position open` });
      return;
    }
    const closeQty = position.qty !== undefined && Number(position.qty) < Number(qty) ? position.qty : qty;
    const clientId = orders.nextCloseClientId();
    const ack = await rest.placeOrder({
      symbol,
      side,
      qty: closeQty,
      tradeSide: 'CLOSE',
      positionId: position.positionId,
      orderType: 'MARKET',
      reduceOnly: true,
      clientId,
    });
    this.ledger.closed(qty);
    notices.fill({ phase: 'close', orderId: ack.orderId, qty: closeQty, positionId: position.positionId, closeOrderId: ack.orderId });
  }

  /** `settle` with a few retries; what stays open is reported, never thrown. */
  async settleAtStop(): Promise<void> {
    if (this.ledger.isFlat && this.toCheck.size === 0) return;
    const { notices, retry, symbol } = this.options;
    for (let round = 0; round < 3; round++) {
      try {
        await this.settle();
        return;
      } catch (err) {
        notices.error(failureNotice('close_fills', err));
        if (isBitunixError(err) && err.kind === 'auth') break;
        await sleep(backoffDelay(round, retry));
      }
    }
    if (!this.ledger.isFlat) {
      notices.error({ op: 'stop', kind: 'internal', message: `a filled quantity of ${this.ledger.open} ${symbol} could not be closed at stop` });
    }
  }
}
