// The executor's order ledger: every order it placed that is not known to be finished, the one it
// works (`current`), the placements whose outcome is unknown, and the clientIds that mark an order
// as ours. Adopting — tracking an order of ours the exchange shows and we did not know (a lost
// ack) — happens here and only here.
import type { Order } from '../types.ts';

export interface TrackedOrder {
  orderId: string;
  clientId: string | undefined;
  /** last price the exchange confirmed (or that we placed at) */
  price: string;
  qty: string;
  /** a modify the exchange accepted but has not yet been seen applied */
  pendingPrice?: string | undefined;
  modifiedAt?: number | undefined;
}

/** The order's price is now `price` as the exchange shows it: any pending modify is settled. */
export function settlePrice(order: TrackedOrder, price: string): void {
  order.price = price;
  order.pendingPrice = undefined;
  order.modifiedAt = undefined;
}

export class OrderLedger {
  /** The order the executor works; also in `live` while it is tracked. */
  current: TrackedOrder | undefined;
  /** clientIds whose place_order outcome is unknown. */
  readonly unresolvedClientIds = new Set<string>();
  /** Every order we placed that is not known to be finished (includes `current`). */
  private readonly live = new Map<string, TrackedOrder>();
  private readonly clientIdBase: string;
  /** The fixed order quantity: what an adopted order is taken to have when the exchange omits it. */
  private readonly qty: string;
  private clientSeq = 0;
  private closeSeq = 0;

  /** `clientIdBase` = prefix + random part; every entry clientId starts with it. */
  constructor(clientIdBase: string, qty: string) {
    this.clientIdBase = clientIdBase;
    this.qty = qty;
  }

  nextClientId(): string {
    this.clientSeq++;
    return `${this.clientIdBase}${this.clientSeq.toString(36).padStart(4, '0')}`;
  }

  /** Not our entry prefix: a close is never adopted as a working order. */
  nextCloseClientId(): string {
    this.closeSeq++;
    return `c${this.clientIdBase}${this.closeSeq.toString(36)}`;
  }

  /** Whether any entry clientId was ever handed out. */
  get placedAny(): boolean {
    return this.clientSeq > 0;
  }

  isOurClientId(clientId: string | undefined): boolean {
    return clientId !== undefined && clientId.startsWith(this.clientIdBase);
  }

  isOurs(order: Pick<Order, 'orderId' | 'clientId'>): boolean {
    return this.live.has(order.orderId) || this.isOurClientId(order.clientId);
  }

  /**
   * Tracks an order of ours the exchange shows and we did not know; returns it when newly
   * tracked, undefined when it already was. Missing price/qty are taken as '0' / our qty.
   */
  adopt(order: Pick<Order, 'orderId' | 'clientId' | 'price' | 'qty'>): TrackedOrder | undefined {
    if (this.live.has(order.orderId)) return undefined;
    const tracked: TrackedOrder = { orderId: order.orderId, clientId: order.clientId, price: order.price ?? '0', qty: order.qty ?? this.qty };
    this.live.set(tracked.orderId, tracked);
    return tracked;
  }

  /** Tracks an order we placed (or that moved to a new id) and makes it the working one. */
  work(order: TrackedOrder): void {
    this.live.set(order.orderId, order);
    this.current = order;
  }

  /** The order is finished or gone: no longer tracked, no longer worked. */
  drop(orderId: string): void {
    this.live.delete(orderId);
    if (this.current?.orderId === orderId) this.current = undefined;
  }

  get(orderId: string): TrackedOrder | undefined {
    return this.live.get(orderId);
  }

  has(orderId: string): boolean {
    return this.live.has(orderId);
  }

  findByClientId(clientId: string | undefined): TrackedOrder | undefined {
    if (!clientId) return undefined;
    for (const o of this.live.values()) if (o.clientId === clientId) return o;
    return undefined;
  }

  /** Tracked orders, oldest first. */
  orders(): TrackedOrder[] {
    return [...this.live.values()];
  }

  ids(): string[] {
    return [...this.live.keys()];
  }

  get size(): number {
    return this.live.size;
  }
}
