// Reading the private `order` pushes. A push never acts on its own: it confirms a pending modify,
// is kept until the REST ack it outran arrives, or raises a doubt that sends the loop to REST.
import { isLiveStatus, type OrderEvent } from '../types.ts';
import type { TrackedOrder } from './ledger.ts';
import { toTicks, type PriceGrid } from './pricing.ts';

export interface PushContext {
  /** Our tracked order with the push's orderId, if any. */
  tracked: TrackedOrder | undefined;
  /** The push's clientId carries our prefix. */
  ours: boolean;
  /** The push is for the placement in flight (state PLACING, its clientId). */
  placing: boolean;
  /** A modify is in flight (state MODIFYING). */
  modifying: boolean;
  grid: PriceGrid;
}

export interface PushReading {
  /** The push outran the place ack: keep it for when the ack arrives. */
  keep?: true;
  /** The tracked order's pending modify is seen applied. */
  confirmed?: true;
  /** Why REST must be asked what is true. */
  doubt?: string;
}

/** What one `order` push means for the executor; pure. */
export function readOrderPush(push: OrderEvent, ctx: PushContext): PushReading {
  const { tracked } = ctx;
  const live = isLiveStatus(push.status) && push.event !== 'CLOSE';
  if (!tracked) {
    if (!ctx.ours) return {};
    if (ctx.placing) return { keep: true };
    return live ? { doubt: `push for an order of ours we do not track (${push.orderId})` } : {};
  }
  if (!live) return { doubt: `order ${push.orderId} ${push.status ?? push.event} by the exchange` };
  const reading: PushReading = {};
  if (push.status === 'PART_FILLED') reading.doubt = `order ${push.orderId} partly filled (${push.tradeQty ?? '?'})`;
  if (push.price === undefined) return reading;
  if (tracked.pendingPrice !== undefined && samePrice(push.price, tracked.pendingPrice, ctx.grid)) return { ...reading, confirmed: true };
  if (samePrice(push.price, tracked.price, ctx.grid)) return reading;
  // An update mid-modify may show the old price; only a settled order can disagree.
  if (!ctx.modifying && tracked.pendingPrice === undefined) reading.doubt ??= `push shows ${push.orderId} @ ${push.price}, expected ${tracked.price}`;
  return reading;
}

function samePrice(a: string, b: string, grid: PriceGrid): boolean {
  return toTicks(a, grid) === toTicks(b, grid);
}

const MAX_EARLY_PUSHES = 32;

/** Pushes that outran their place ack, by orderId; bounded (oldest dropped). */
export class EarlyPushes {
  private readonly pushes = new Map<string, OrderEvent>();

  keep(push: OrderEvent): void {
    if (this.pushes.size >= MAX_EARLY_PUSHES) this.pushes.delete(this.pushes.keys().next().value!);
    this.pushes.set(push.orderId, push);
  }

  take(orderId: string): OrderEvent | undefined {
    const push = this.pushes.get(orderId);
    this.pushes.delete(orderId);
    return push;
  }
}
