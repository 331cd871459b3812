// HEDGE-mode adaptive-limit executor: keeps at most one POST_ONLY LIMIT OPEN order resting a
// fixed offset AWAY from the market and follows the market with modify_order, so it exercises
// place / modify / cancel for hours without ever filling. Everything it does runs in one serial
// loop (ticks, reconciling, stopping), so no two order actions ever overlap; WebSocket pushes only
// record doubts and wake the loop.
//
// What it trusts: REST is the arbiter. A push that disagrees, a modify that fails, an order that
// vanished — each sends the machine to RECONCILING, which asks get_pending_orders /
// get_order_detail what is true. ERROR_LOCK is for what REST cannot resolve: credentials that
// keep failing, a position mode that cannot be switched to HEDGE, an order of ours that stays on
// the book although cancelled.
import { EventEmitter } from 'eventemitter3';
import { backoffDelay, sleep } from '../backoff.ts';
import { BitunixCode, isBitunixError, isOrderNotFound, type BitunixErrorKind } from '../errors.ts';
import type { BitunixRest } from '../rest.ts';
import type { BitunixWs } from '../ws.ts';
import { makeNonce } from '../signer.ts';
import { isFilledStatus, isLiveStatus, type Order, type OrderEvent, type Side } from '../types.ts';
import { entryTicks, fromTicks, toTicks, type PriceGrid, type Quote } from './pricing.ts';
import { FillLedger } from './fills.ts';
import {
  createExecutorMachine,
  DEFAULT_STATE_TIMEOUTS,
  type ExecutorState,
  type StateMachine,
  type StuckEvent,
  type TransitionEvent,
} from './state-machine.ts';

export interface HedgeLimitExecutorOptions {
  rest: BitunixRest;
  /** Market data (ticker + depth_book1); without it the price comes from REST depth. */
  publicWs?: BitunixWs | undefined;
  /** Order / position pushes; without it every modify is confirmed through REST. */
  privateWs?: BitunixWs | undefined;
  symbol: string;
  side: Side;
  /** Fixed order quantity (base coin), as the exchange expects it. */
  qty: string;
  /** Fraction away from the market (0.0005 = 0.05 %). */
  offset: number;
  /** How often the entry price is recomputed. */
  tickMs: number;
  marginCoin?: string;
  /** Switch the account to HEDGE when it is not (default true). */
  setPositionMode?: boolean;
  stateTimeouts?: Partial<Record<ExecutorState, number>>;
  /** A modify not confirmed by a push within this long is checked over REST. */
  modifyConfirmTimeoutMs?: number;
  /** WS prices older than this are replaced by a REST depth read. */
  priceStaleMs?: number;
  /**
   * A working order is re-checked over REST at least this often even when nothing looks wrong:
   * a cancel the exchange did silently (a POST_ONLY that would have crossed, a lost push) shows up.
   */
  verifyIntervalMs?: number;
  /** How many reconcile rounds an order may be unknown to the exchange before it is written off. */
  unknownOrderRetries?: number;
  /** How many times duplicates may survive cancelling before the executor locks. */
  maxCancelRounds?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  clientIdPrefix?: string;
  signal?: AbortSignal;
}

export type OrderAction = 'placed' | 'modified' | 'cancelled' | 'filled' | 'lost' | 'adopted';

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
export interface FillNotice {
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

interface TrackedOrder {
  orderId: string;
  clientId: string | undefined;
  /** last price the exchange confirmed (or that we placed at) */
  price: string;
  qty: string;
  /** a modify the exchange accepted but has not yet been seen applied */
  pendingPrice?: string | undefined;
  modifiedAt?: number | undefined;
}

type Resolution = { to: 'WORKING' | 'IDLE'; reason: string } | { to: 'CANCELLING'; reason: string; extras: TrackedOrder[] } | { to: 'ERROR_LOCK'; reason: string };

class LockRequest extends Error {}

const MAX_BUFFERED_PUSHES = 32;

export class HedgeLimitExecutor extends EventEmitter<HedgeLimitExecutorEvents> {
  readonly machine: StateMachine<ExecutorState>;
  readonly symbol: string;
  readonly side: Side;
  readonly qty: string;
  readonly offset: number;
  readonly tickMs: number;

  private readonly rest: BitunixRest;
  private readonly publicWs: BitunixWs | undefined;
  private readonly privateWs: BitunixWs | undefined;
  private readonly marginCoin: string;
  private readonly setPositionMode: boolean;
  private readonly modifyConfirmTimeoutMs: number;
  private readonly priceStaleMs: number;
  private readonly verifyIntervalMs: number;
  private lastVerifiedAt = 0;
  private readonly unknownOrderRetries: number;
  private readonly maxCancelRounds: number;
  private readonly retry: { baseMs: number; maxMs: number };
  private readonly clientIdBase: string;
  private clientSeq = 0;

  private grid: PriceGrid = { precision: 2 };
  /** The latest stream prices; REST reads are used for one tick only and never stored here. */
  private quote: (Quote & { ts: number }) | undefined;
  private current: TrackedOrder | undefined;
  /** Every order we placed that is not known to be finished (includes `current`). */
  private readonly live = new Map<string, TrackedOrder>();
  /** clientIds whose place_order outcome is unknown. */
  private readonly unresolvedClientIds = new Set<string>();
  private readonly unknownStrikes = new Map<string, number>();
  private readonly pushBuffer = new Map<string, OrderEvent>();
  private doubt: string | undefined;
  private placingClientId: string | undefined;
  private cancelRounds = 0;
  private authProven = false;
  private recheckMode = false;
  private lockReason: string | undefined;
  /** Fills seen and not yet closed: "no real fills" means each is closed at once. */
  readonly fills = new FillLedger();
  /** Orders that ended (cancelled by us) whose final filled quantity is still to be read. */
  private readonly fillCheck = new Set<string>();
  private closeSeq = 0;

  private stopRequested = false;
  private stopReason = 'stopped';
  private readonly stopController = new AbortController();
  private wakeUp: (() => void) | undefined;
  private runPromise: Promise<void> | undefined;
  private readonly abortListener: (() => void) | undefined;
  private readonly signal: AbortSignal | undefined;

  constructor(options: HedgeLimitExecutorOptions) {
    super();
    if (!(options.tickMs > 0)) throw new RangeError('tickMs must be positive');
    if (!(options.offset >= 0 && options.offset < 1)) throw new RangeError('offset must be a fraction in [0, 1)');
    if (!(Number(options.qty) > 0)) throw new RangeError(`qty must be a positive number, got ${options.qty}`);
    this.rest = options.rest;
    this.publicWs = options.publicWs;
    this.privateWs = options.privateWs;
    this.symbol = options.symbol;
    this.side = options.side;
    this.qty = options.qty;
    this.offset = options.offset;
    this.tickMs = options.tickMs;
    this.marginCoin = options.marginCoin ?? 'USDT';
    this.setPositionMode = options.setPositionMode ?? true;
    this.modifyConfirmTimeoutMs = options.modifyConfirmTimeoutMs ?? Math.max(3000, 2 * options.tickMs);
    this.priceStaleMs = options.priceStaleMs ?? Math.max(2000, 2 * options.tickMs);
    this.verifyIntervalMs = options.verifyIntervalMs ?? 30_000;
    this.unknownOrderRetries = options.unknownOrderRetries ?? 3;
    this.maxCancelRounds = options.maxCancelRounds ?? 5;
    this.retry = { baseMs: options.retryBaseMs ?? 250, maxMs: options.retryMaxMs ?? 10_000 };
    // Short and alphanumeric: the docs give no clientId format, so stay conservative.
    this.clientIdBase = `${options.clientIdPrefix ?? 'xs'}${makeNonce(6)}`;
    this.machine = createExecutorMachine({ ...DEFAULT_STATE_TIMEOUTS, ...options.stateTimeouts });
    this.machine.on('transition', (e) => this.emit('transition', e));
    this.machine.on('stuck', (e) => this.emit('stuck', e));
    this.signal = options.signal;
    if (options.signal) {
      this.abortListener = () => this.requestStop(`aborted: ${String(options.signal?.reason ?? 'abort')}`);
      if (options.signal.aborted) this.requestStop('aborted before start');
      else options.signal.addEventListener('abort', this.abortListener, { once: true });
    }
    this.privateWs?.on('order', this.onOrderPush);
    this.privateWs?.on('ready', this.onPrivateReady);
    this.publicWs?.on('depth', this.onDepth);
    this.publicWs?.on('ticker', this.onTicker);
  }

  get state(): ExecutorState {
    return this.machine.state;
  }

  /** Why the executor is in ERROR_LOCK (undefined otherwise). */
  get errorLockReason(): string | undefined {
    return this.lockReason;
  }

  /** Orders this executor placed that may still rest on the book. */
  trackedOrderIds(): string[] {
    return [...this.live.keys()];
  }

  workingOrder(): Readonly<{ orderId: string; price: string; pendingPrice?: string | undefined }> | undefined {
    return this.current ? { orderId: this.current.orderId, price: this.current.price, pendingPrice: this.current.pendingPrice } : undefined;
  }

  /** Runs until stopped; resolves once every order it placed is cancelled (or given up on) and the state is STOPPED. */
  start(): Promise<void> {
    this.runPromise ??= this.run();
    return this.runPromise;
  }

  /** Asks the loop to stop, then waits for STOPPED. */
  async stop(reason = 'stopped'): Promise<void> {
    this.requestStop(reason);
    if (this.runPromise) await this.runPromise;
    else this.finish();
  }

  private requestStop(reason: string): void {
    if (this.stopRequested) return;
    this.stopRequested = true;
    this.stopReason = reason;
    this.stopController.abort(reason);
    this.wake();
  }

  // ---- the loop ---------------------------------------------------------------------------------

  private async run(): Promise<void> {
    try {
      if (this.stopRequested) return;
      this.to('STARTING', 'start');
      const ready = await this.startup();
      if (ready) {
        this.publicWs?.subscribe([
          { ch: 'ticker', symbol: this.symbol },
          { ch: 'depth_book1', symbol: this.symbol },
        ]);
        this.privateWs?.subscribe([{ ch: 'order' }, { ch: 'position' }]);
        this.publicWs?.connect();
        this.privateWs?.connect();
      }
      let nextTick = Date.now();
      while (!this.stopRequested) {
        const wait = nextTick - Date.now();
        if (wait > 0 && !this.doubt) await this.pause(wait);
        if (this.stopRequested) break;
        if (Date.now() >= nextTick) nextTick = Math.max(nextTick + this.tickMs, Date.now() + 1);
        if (this.state === 'ERROR_LOCK') {
          this.doubt = undefined;
          continue;
        }
        try {
          await this.step();
        } catch (err) {
          this.onUnexpected('step', err);
        }
      }
    } finally {
      await this.shutdown();
    }
  }

  /** Sleeps until `ms` pass, a doubt is raised or a stop is requested. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        if (self.wakeUp === done) self.wakeUp = undefined;
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private wake(): void {
    this.wakeUp?.();
  }

  private async step(): Promise<void> {
    if (this.doubt) {
      await this.reconcile(this.doubt);
      return;
    }
    const state = this.state;
    if (state !== 'IDLE' && state !== 'WORKING') return;
    const current = this.current;
    if (state === 'WORKING' && current?.pendingPrice !== undefined && Date.now() - (current.modifiedAt ?? 0) > this.modifyConfirmTimeoutMs) {
      await this.reconcile(`modify to ${current.pendingPrice} not confirmed within ${this.modifyConfirmTimeoutMs} ms`);
      return;
    }
    if (state === 'WORKING' && Date.now() - this.lastVerifiedAt > this.verifyIntervalMs) {
      await this.reconcile('periodic verification');
      return;
    }
    const quote = await this.currentQuote();
    if (!quote || this.stopRequested || this.doubt) return;
    const target = entryTicks(this.side, quote, this.offset, this.grid);
    if (target === undefined) return;
    if (state === 'IDLE') {
      await this.place(target);
    } else if (current) {
      const effective = current.pendingPrice ?? current.price;
      if (toTicks(effective, this.grid) !== target) await this.modify(current, target);
    }
  }

  // ---- startup ----------------------------------------------------------------------------------

  private async startup(): Promise<boolean> {
    if (!this.rest.hasCredentials) {
      this.lock('missing credentials: set BITUNIX_API_KEY and BITUNIX_API_SECRET');
      return false;
    }
    for (let attempt = 0; !this.stopRequested; attempt++) {
      try {
        const pairs = await this.rest.getTradingPairs([this.symbol]);
        const pair = pairs.find((p) => p.symbol === this.symbol);
        if (!pair) {
          this.lock(`unknown symbol ${this.symbol}`);
          return false;
        }
        this.grid = { precision: pair.quotePrecision };
        if (pair.minTradeVolume !== undefined && Number(this.qty) < Number(pair.minTradeVolume)) {
          this.lock(`qty ${this.qty} is below the minimum ${pair.minTradeVolume} for ${this.symbol}`);
          return false;
        }
        await this.ensureHedgeMode();
        this.authProven = true;
        this.to('IDLE', 'ready: HEDGE mode, symbol loaded');
        return true;
      } catch (err) {
        if (err instanceof LockRequest) {
          this.lock(err.message);
          return false;
        }
        this.report('startup', err);
        if (isBitunixError(err) && err.kind === 'auth') {
          // Credentials that never worked are wrong: one clear error, no retry loop.
          this.lock(`authentication failed: ${err.message}`);
          return false;
        }
        if (isBitunixError(err) && err.kind === 'reject' && err.code !== BitunixCode.network) {
          this.lock(`startup rejected: ${err.message}`);
          return false;
        }
        await this.backoff(attempt);
      }
    }
    return false;
  }

  /** Throws LockRequest when the account is not in HEDGE mode and cannot be switched. */
  private async ensureHedgeMode(): Promise<void> {
    const account = await this.rest.getAccount(this.marginCoin);
    if (account.positionMode === 'HEDGE') return;
    let seen: string = account.positionMode ?? 'unknown';
    if (account.positionMode === undefined) {
      // Some live answers lack positionMode. Switching blind fails with 20009 whenever positions
      // or orders are open (and locks the executor): read the mode off what is open instead.
      const mode = await this.readPositionMode();
      if (mode.mode === 'HEDGE') return;
      if (mode.mode !== undefined) seen = mode.mode;
      else if (mode.busy) {
        throw new LockRequest('position mode unknown: the account answer has no positionMode and open positions or orders prevent a safe switch; set HEDGE mode on the account by hand');
      }
    }
    if (!this.setPositionMode) {
      throw new LockRequest(`position-mode mismatch: account is ${seen}, HEDGE required and switching is disabled`);
    }
    try {
      await this.rest.changePositionMode('HEDGE');
    } catch (err) {
      if (isBitunixError(err) && err.code === BitunixCode.positionModeLocked) {
        throw new LockRequest(`position-mode mismatch: account is ${seen} and cannot switch to HEDGE (${err.message})`);
      }
      throw err;
    }
    const after = await this.rest.getAccount(this.marginCoin);
    if (after.positionMode !== undefined && after.positionMode !== 'HEDGE') {
      throw new LockRequest(`position-mode mismatch: account still ${after.positionMode} after switching to HEDGE`);
    }
  }

  // ---- order actions ----------------------------------------------------------------------------

  private nextClientId(): string {
    this.clientSeq++;
    return `${this.clientIdBase}${this.clientSeq.toString(36).padStart(4, '0')}`;
  }

  private async place(targetTicks: number): Promise<void> {
    const price = fromTicks(targetTicks, this.grid);
    const clientId = this.nextClientId();
    this.to('PLACING', `place ${this.side} ${this.qty} @ ${price}`);
    this.unresolvedClientIds.add(clientId);
    this.placingClientId = clientId;
    try {
      const ack = await this.rest.placeOrder({
        symbol: this.symbol,
        side: this.side,
        qty: this.qty,
        price,
        tradeSide: 'OPEN',
        orderType: 'LIMIT',
        effect: 'POST_ONLY',
        clientId,
      });
      this.unresolvedClientIds.delete(clientId);
      const order: TrackedOrder = { orderId: ack.orderId, clientId, price, qty: this.qty };
      this.live.set(order.orderId, order);
      this.current = order;
      this.emit('order', { action: 'placed', orderId: order.orderId, clientId, price });
      this.lastVerifiedAt = Date.now();
      this.to('WORKING', ack.recovered ? `placed @ ${price} (found by clientId after an ambiguous failure)` : `placed @ ${price}`);
      const early = this.pushBuffer.get(order.orderId);
      this.pushBuffer.delete(order.orderId);
      if (early) this.onOrderPush(early);
    } catch (err) {
      this.report('place_order', err);
      if (isBitunixError(err) && !err.ambiguous) this.unresolvedClientIds.delete(clientId);
      if (isBitunixError(err) && err.kind === 'auth') {
        await this.onAuthFailure(err);
      } else if (isBitunixError(err) && !err.ambiguous) {
        // Refused outright (rate limit after retries, price band, post-only would cross …):
        // nothing rests. A refusal may also mean the account changed under us: look once.
        if (err.kind === 'reject') this.recheckMode = true;
        this.to('IDLE', `place refused: ${err.message}`);
        if (err.kind === 'reject') this.raiseDoubt(`place refused with code ${err.code ?? '?'}`);
      } else {
        await this.reconcile(`place outcome unknown: ${describe(err)}`);
      }
    } finally {
      this.placingClientId = undefined;
    }
  }

  private async modify(order: TrackedOrder, targetTicks: number): Promise<void> {
    const price = fromTicks(targetTicks, this.grid);
    this.to('MODIFYING', `${order.pendingPrice ?? order.price} → ${price}`);
    // Pending before the request: the confirming push can arrive before the REST answer does.
    order.pendingPrice = price;
    order.modifiedAt = Date.now();
    try {
      const ack = await this.rest.modifyOrder({ orderId: order.orderId, qty: order.qty, price });
      if (ack.orderId && ack.orderId !== order.orderId) {
        // Some venues re-key on amend: track the new id, let reconciling settle the old one.
        const moved: TrackedOrder = { ...order, orderId: ack.orderId };
        this.live.set(moved.orderId, moved);
        this.current = moved;
        this.raiseDoubt(`modify returned a new orderId ${ack.orderId}`);
        order = moved;
      }
      if (order.pendingPrice !== undefined) {
        order.modifiedAt = Date.now();
        // No push channel to confirm on: the confirmation comes from REST at the next tick.
        if (!this.privateWs?.isReady) order.modifiedAt = 0;
      }
      this.emit('order', { action: 'modified', orderId: order.orderId, clientId: order.clientId, price });
      if (this.doubt) await this.reconcile(this.doubt);
      else this.to('WORKING', `modified → ${price}`);
    } catch (err) {
      this.report('modify_order', err);
      if (isBitunixError(err) && err.kind === 'auth') await this.onAuthFailure(err);
      else await this.reconcile(`modify failed: ${describe(err)}`);
    }
  }

  /** The account's mode as open positions and orders show it; `busy` when any are open. */
  private async readPositionMode(): Promise<{ mode?: string | undefined; busy: boolean }> {
    const positions = await this.rest.getPendingPositions({});
    const fromPosition = positions.find((p) => p.positionMode !== undefined)?.positionMode;
    if (fromPosition) return { mode: fromPosition, busy: true };
    const { orders } = await this.rest.getPendingOrders({ limit: 100 });
    const fromOrder = orders.find((o) => o.positionMode !== undefined)?.positionMode;
    return { mode: fromOrder, busy: positions.length > 0 || orders.length > 0 };
  }

  // ---- fills --------------------------------------------------------------------------------------

  private noteFill(orderId: string, tradeQty: string | undefined): void {
    const qty = this.fills.note(orderId, tradeQty);
    if (qty !== undefined) this.emit('fill', { phase: 'fill', orderId, qty });
  }

  /**
   * Reads the final fill of orders that ended without us seeing it, then closes everything filled
   * and not yet closed with one reduce-only HEDGE close (side names the position, EXCHANGES.md).
   * Throws when the exchange cannot be asked: the ledger keeps the quantity for the next try.
   */
  private async settleFills(): Promise<void> {
    for (const orderId of [...this.fillCheck]) {
      try {
        const detail = await this.rest.getOrderDetail({ orderId });
        this.noteFill(orderId, detail.tradeQty);
      } catch (err) {
        if (!isOrderNotFound(err)) throw err;
      }
      this.fillCheck.delete(orderId);
      if (!this.live.has(orderId)) this.fills.settle(orderId);
    }
    if (this.fills.isFlat) return;
    const qty = this.fills.open;
    const side = this.side === 'BUY' ? 'LONG' : 'SHORT';
    const positions = await this.rest.getPendingPositions({ symbol: this.symbol });
    const position = positions.find((p) => p.side === side && (p.symbol === undefined || p.symbol === this.symbol));
    if (!position) {
      // Nothing of that side is open: closed already (by a previous close whose ack was lost).
      this.fills.closed(qty);
      this.emit('fill', { phase: 'close', orderId: '', qty, skipped: `no ${side} position open` });
      return;
    }
    const closeQty = position.qty !== undefined && Number(position.qty) < Number(qty) ? position.qty : qty;
    this.closeSeq++;
    const ack = await this.rest.placeOrder({
      symbol: this.symbol,
      side: this.side,
      qty: closeQty,
      tradeSide: 'CLOSE',
      positionId: position.positionId,
      orderType: 'MARKET',
      reduceOnly: true,
      // Not our entry prefix: a close is never adopted as a working order.
      clientId: `c${this.clientIdBase}${this.closeSeq.toString(36)}`,
    });
    this.fills.closed(qty);
    this.emit('fill', { phase: 'close', orderId: ack.orderId, qty: closeQty, positionId: position.positionId, closeOrderId: ack.orderId });
  }

  private async settleFillsAtStop(): Promise<void> {
    if (this.fills.isFlat && this.fillCheck.size === 0) return;
    for (let round = 0; round < 3; round++) {
      try {
        await this.settleFills();
        return;
      } catch (err) {
        this.report('close_fills', err);
        if (isBitunixError(err) && err.kind === 'auth') break;
        await sleep(backoffDelay(round, this.retry));
      }
    }
    if (!this.fills.isFlat) {
      this.emit('error', { op: 'stop', kind: 'internal', message: `a filled quantity of ${this.fills.open} ${this.symbol} could not be closed at stop` });
    }
  }

  // ---- reconciling ------------------------------------------------------------------------------

  private async reconcile(reason: string): Promise<void> {
    this.doubt = undefined;
    if (this.state !== 'RECONCILING') this.to('RECONCILING', reason);
    for (let attempt = 0; ; attempt++) {
      if (this.stopRequested) return; // shutdown cancels everything we track anyway
      this.doubt = undefined;
      let resolution: Resolution | 'again';
      try {
        resolution = await this.reconcileOnce();
      } catch (err) {
        if (err instanceof LockRequest) {
          this.lock(err.message);
          return;
        }
        this.report('reconcile', err);
        if (isBitunixError(err) && err.kind === 'auth') {
          await this.onAuthFailure(err);
          if (this.state !== 'RECONCILING') return;
        }
        // Transport trouble: keep asking (with backoff); `stuck` reports if it lasts.
        await this.backoff(attempt);
        continue;
      }
      if (resolution === 'again') {
        await this.backoff(Math.min(attempt, 2));
        continue;
      }
      if (this.doubt && resolution.to !== 'ERROR_LOCK') continue; // something new arrived meanwhile
      if (resolution.to === 'ERROR_LOCK') {
        this.lock(resolution.reason);
        return;
      }
      if (resolution.to === 'CANCELLING') {
        await this.cancelExtras(resolution.extras, resolution.reason);
        return;
      }
      this.cancelRounds = 0;
      this.lastVerifiedAt = Date.now();
      this.to(resolution.to, resolution.reason);
      return;
    }
  }

  private isOurs(order: Order): boolean {
    return this.live.has(order.orderId) || (order.clientId !== undefined && order.clientId.startsWith(this.clientIdBase));
  }

  /** One look at the exchange. Returns where to go, or 'again' when the answer is not final yet. */
  private async reconcileOnce(): Promise<Resolution | 'again'> {
    const { orders } = await this.rest.getPendingOrders({ symbol: this.symbol, limit: 100 });
    const resting = new Map<string, Order>();
    for (const order of orders) if (this.isOurs(order)) resting.set(order.orderId, order);

    // Orders the exchange shows us that we did not know: placements whose ack was lost.
    for (const order of resting.values()) {
      if (!this.live.has(order.orderId)) {
        this.live.set(order.orderId, { orderId: order.orderId, clientId: order.clientId, price: order.price ?? '0', qty: order.qty ?? this.qty });
        this.emit('order', { action: 'adopted', orderId: order.orderId, clientId: order.clientId, price: order.price });
      }
      if (order.clientId) this.unresolvedClientIds.delete(order.clientId);
    }

    // Placements with an unknown outcome that are not resting: did they ever exist?
    for (const clientId of [...this.unresolvedClientIds]) {
      if (clientId === this.placingClientId) continue;
      const found = await this.rest.findByClientId(clientId);
      this.unresolvedClientIds.delete(clientId);
      if (found && isLiveStatus(found.status)) {
        this.live.set(found.orderId, { orderId: found.orderId, clientId, price: found.price ?? '0', qty: found.qty ?? this.qty });
        resting.set(found.orderId, found);
        this.emit('order', { action: 'adopted', orderId: found.orderId, clientId, price: found.price });
      }
    }

    // Tracked orders missing from the pending list: finished, lagging, or unknown.
    let unresolved = false;
    for (const order of resting.values()) this.noteFill(order.orderId, order.tradeQty);
    for (const tracked of [...this.live.values()]) {
      if (resting.has(tracked.orderId)) {
        this.unknownStrikes.delete(tracked.orderId);
        continue;
      }
      let detail: Order | undefined;
      try {
        detail = await this.rest.getOrderDetail({ orderId: tracked.orderId });
      } catch (err) {
        if (!isOrderNotFound(err)) throw err;
      }
      if (detail) this.noteFill(tracked.orderId, detail.tradeQty);
      if (detail && isLiveStatus(detail.status)) {
        // The list lags behind the order; the detail is the fresher word.
        resting.set(tracked.orderId, detail);
        this.unknownStrikes.delete(tracked.orderId);
        continue;
      }
      if (detail) {
        this.forget(tracked, isFilledStatus(detail.status) ? 'filled' : 'cancelled', detail.status);
        this.fills.settle(tracked.orderId);
        continue;
      }
      const strikes = (this.unknownStrikes.get(tracked.orderId) ?? 0) + 1;
      this.unknownStrikes.set(tracked.orderId, strikes);
      if (strikes <= this.unknownOrderRetries) {
        unresolved = true; // 20007 says "try it later": ask again before believing it
        continue;
      }
      // Neither resting nor known: it cannot be working. Write it off, but an order vanishing
      // without a trace may mean the account changed under us, so check the position mode.
      this.forget(tracked, 'lost', 'unknown to the exchange');
      this.recheckMode = true;
    }
    // Before anything else is decided: whatever filled is closed now (throws to retry on failure).
    await this.settleFills();
    if (unresolved) return 'again';

    if (this.recheckMode) {
      await this.ensureHedgeMode(); // throws LockRequest on an unfixable mismatch
      this.recheckMode = false;
    }

    const liveOrders = [...this.live.values()];
    if (liveOrders.length === 0) {
      this.current = undefined;
      return { to: 'IDLE', reason: 'no order of ours rests' };
    }
    // Keep the one we think is working, else the oldest (it has the best queue position).
    const keep = this.current && this.live.has(this.current.orderId) ? this.live.get(this.current.orderId)! : liveOrders[0]!;
    const extras = liveOrders.filter((o) => o !== keep);
    // What the exchange says wins over what we think.
    const truth = resting.get(keep.orderId);
    if (truth?.price !== undefined) {
      // Applied or not, a pending modify is settled now: the next tick modifies again if needed.
      keep.price = truth.price;
      keep.pendingPrice = undefined;
      keep.modifiedAt = undefined;
    }
    this.current = keep;
    if (extras.length > 0) {
      this.cancelRounds++;
      if (this.cancelRounds > this.maxCancelRounds) {
        return { to: 'ERROR_LOCK', reason: `unknown order persists: ${extras.map((o) => o.orderId).join(', ')} still rests after ${this.maxCancelRounds} cancel rounds` };
      }
      return { to: 'CANCELLING', reason: `${extras.length} extra order(s) of ours rest`, extras };
    }
    return { to: 'WORKING', reason: `order ${keep.orderId} rests @ ${keep.price}` };
  }

  private forget(order: TrackedOrder, action: 'filled' | 'cancelled' | 'lost', status: string | undefined): void {
    this.live.delete(order.orderId);
    this.unknownStrikes.delete(order.orderId);
    if (this.current?.orderId === order.orderId) this.current = undefined;
    this.emit('order', { action, orderId: order.orderId, clientId: order.clientId, price: status ? `${order.price} (${status})` : order.price });
  }

  private async cancelExtras(extras: TrackedOrder[], reason: string): Promise<void> {
    this.to('CANCELLING', reason);
    try {
      await this.cancelOrders(extras);
    } catch (err) {
      this.report('cancel_orders', err);
    }
    await this.reconcile('verify after cancelling extras');
  }

  /** cancel_orders in batches; returns how many the exchange reported cancelled. */
  private async cancelOrders(orders: Array<{ orderId?: string; clientId?: string | undefined }>): Promise<number> {
    let cancelled = 0;
    for (let i = 0; i < orders.length; i += 20) {
      const batch = orders.slice(i, i + 20).map((o) => (o.orderId ? { orderId: o.orderId } : { clientId: o.clientId! }));
      const result = await this.rest.cancelOrders(this.symbol, batch);
      for (const ok of result.successList) {
        const tracked = (ok.orderId && this.live.get(ok.orderId)) || [...this.live.values()].find((o) => ok.clientId && o.clientId === ok.clientId);
        const orderId = ok.orderId ?? tracked?.orderId;
        if (!orderId) continue;
        cancelled++;
        this.fillCheck.add(orderId);
        if (tracked) {
          this.live.delete(tracked.orderId);
          if (this.current?.orderId === tracked.orderId) this.current = undefined;
        }
        this.emit('order', { action: 'cancelled', orderId, clientId: ok.clientId ?? tracked?.clientId });
      }
    }
    return cancelled;
  }

  // ---- pushes and market data -------------------------------------------------------------------

  private readonly onOrderPush = (push: OrderEvent): void => {
    const tracked = this.live.get(push.orderId);
    if (!tracked) {
      if (push.clientId?.startsWith(this.clientIdBase)) {
        if (this.state === 'PLACING' && push.clientId === this.placingClientId) {
          // The push outran the REST ack: keep it for when the ack arrives.
          if (this.pushBuffer.size >= MAX_BUFFERED_PUSHES) this.pushBuffer.delete(this.pushBuffer.keys().next().value!);
          this.pushBuffer.set(push.orderId, push);
        } else if (isLiveStatus(push.status) && push.event !== 'CLOSE') {
          this.raiseDoubt(`push for an order of ours we do not track (${push.orderId})`);
        }
      }
      return;
    }
    if (!isLiveStatus(push.status) || push.event === 'CLOSE') {
      this.raiseDoubt(`order ${push.orderId} ${push.status ?? push.event} by the exchange`);
      return;
    }
    if (push.status === 'PART_FILLED') this.raiseDoubt(`order ${push.orderId} partly filled (${push.tradeQty ?? '?'})`);
    if (push.price === undefined) return;
    if (tracked.pendingPrice !== undefined && samePrice(push.price, tracked.pendingPrice, this.grid)) {
      tracked.price = tracked.pendingPrice;
      tracked.pendingPrice = undefined;
      tracked.modifiedAt = undefined;
      return;
    }
    if (samePrice(push.price, tracked.price, this.grid)) return;
    // An update mid-modify may show the old price; only a settled order can disagree.
    if (this.state !== 'MODIFYING' && tracked.pendingPrice === undefined) {
      this.raiseDoubt(`push shows ${push.orderId} @ ${push.price}, expected ${tracked.price}`);
    }
  };

  private readonly onPrivateReady = (info: { reconnect: boolean }): void => {
    // Pushes sent while we were away are lost: ask REST what happened meanwhile.
    if (info.reconnect && this.live.size > 0) this.raiseDoubt('private stream reconnected');
  };

  private readonly onDepth = (top: { symbol?: string | undefined; bid?: string | undefined; ask?: string | undefined }): void => {
    if (top.symbol !== undefined && top.symbol !== this.symbol) return;
    this.quote = { ...this.quote, bid: top.bid ?? this.quote?.bid, ask: top.ask ?? this.quote?.ask, ts: Date.now() };
  };

  private readonly onTicker = (ticker: { symbol: string; lastPrice?: string | undefined }): void => {
    if (ticker.symbol !== this.symbol || ticker.lastPrice === undefined) return;
    // A last price alone is a fallback: keep the book side when we have it.
    this.quote = { ...this.quote, last: ticker.lastPrice, ts: this.quote?.bid || this.quote?.ask ? this.quote.ts : Date.now() };
  };

  private async currentQuote(): Promise<Quote | undefined> {
    if (this.quote && Date.now() - this.quote.ts <= this.priceStaleMs) return this.quote;
    try {
      const top = await this.rest.getDepth(this.symbol, '1');
      return { bid: top.bid, ask: top.ask, last: this.quote?.last };
    } catch (err) {
      this.report('market/depth', err);
      return undefined;
    }
  }

  private raiseDoubt(reason: string): void {
    this.doubt ??= reason;
    this.wake();
  }

  // ---- failures ---------------------------------------------------------------------------------

  /** Credentials that worked before get one re-check; failing again (or never having worked) locks. */
  private async onAuthFailure(err: unknown): Promise<void> {
    if (!this.authProven) {
      this.lock(`authentication failed: ${describe(err)}`);
      return;
    }
    this.authProven = false;
    try {
      await sleep(this.retry.baseMs, this.stopController.signal);
    } catch {
      // stopping: the check below still decides what the stop path can do
    }
    try {
      await this.rest.getAccount(this.marginCoin);
      this.authProven = true;
      if (this.state !== 'RECONCILING') this.to('RECONCILING', 'credentials work again after an auth failure');
      this.raiseDoubt('after a transient auth failure');
    } catch (again) {
      this.report('account', again);
      if (isBitunixError(again) && again.kind === 'auth') this.lock(`repeated authentication failure: ${describe(again)}`);
      else {
        this.authProven = true;
        if (this.state !== 'RECONCILING') this.to('RECONCILING', 'auth re-check inconclusive');
        this.raiseDoubt('auth re-check inconclusive');
      }
    }
  }

  private lock(reason: string): void {
    if (this.state === 'ERROR_LOCK' || this.state === 'STOPPED') return;
    this.lockReason = reason;
    this.emit('error', { op: 'executor', kind: 'internal', message: `ERROR_LOCK: ${reason}` });
    this.to('ERROR_LOCK', reason);
    this.doubt = undefined;
    // Stop the streams: a rejected login would otherwise keep knocking.
    this.privateWs?.close();
    this.publicWs?.close();
  }

  private onUnexpected(op: string, err: unknown): void {
    this.emit('error', { op, kind: 'internal', message: describe(err) });
    if (this.machine.can('ERROR_LOCK')) this.lock(`internal error in ${op}: ${describe(err)}`);
    else throw err;
  }

  private report(op: string, err: unknown): void {
    if (isBitunixError(err)) this.emit('error', { op, kind: err.kind, code: err.code, message: err.message });
    else this.emit('error', { op, kind: 'internal', message: describe(err) });
  }

  private async backoff(attempt: number): Promise<void> {
    try {
      await sleep(backoffDelay(attempt, this.retry), this.stopController.signal);
    } catch {
      // woken by stop
    }
  }

  private to(state: ExecutorState, reason: string): void {
    this.machine.transition(state, reason);
  }

  // ---- stopping ---------------------------------------------------------------------------------

  private async shutdown(): Promise<void> {
    const state = this.state;
    if (state === 'STOPPED') return;
    if (state === 'INIT' || state === 'STARTING') {
      this.to('STOPPED', this.stopReason);
      this.finish();
      return;
    }
    if (state === 'PLACING' || state === 'MODIFYING') {
      // Only reachable through a bug (the loop is serial); record it rather than hang.
      this.emit('error', { op: 'stop', kind: 'internal', message: `stop while ${state}` });
    }
    if (!this.machine.can('CANCELLING') && state !== 'CANCELLING') this.to('ERROR_LOCK', `stop while ${state}`);
    if (this.state !== 'CANCELLING') this.to('CANCELLING', `stop: ${this.stopReason}`);
    const left = await this.cancelEverything();
    await this.settleFillsAtStop();
    this.to('STOPPED', left === 0 ? this.stopReason : `${this.stopReason}; ${left} order(s) could not be confirmed cancelled`);
    this.finish();
  }

  /** Cancels every order this executor placed; returns how many may still rest. */
  private async cancelEverything(): Promise<number> {
    // Nothing was ever placed (e.g. locked at startup): there is nothing to look for.
    if (this.clientSeq === 0 && this.live.size === 0) return 0;
    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      try {
        const targets: Array<{ orderId?: string; clientId?: string }> = [
          ...[...this.live.values()].map((o) => ({ orderId: o.orderId })),
          ...[...this.unresolvedClientIds].map((clientId) => ({ clientId })),
        ];
        if (targets.length > 0) await this.cancelOrders(targets);
        // Verify: whatever of ours still rests gets another round.
        const { orders } = await this.rest.getPendingOrders({ symbol: this.symbol, limit: 100 });
        const resting = new Set(orders.filter((o) => this.isOurs(o)).map((o) => o.orderId));
        for (const order of orders) {
          if (this.isOurs(order) && !this.live.has(order.orderId)) {
            this.live.set(order.orderId, { orderId: order.orderId, clientId: order.clientId, price: order.price ?? '0', qty: order.qty ?? this.qty });
          }
        }
        for (const tracked of [...this.live.values()]) {
          if (!resting.has(tracked.orderId)) this.live.delete(tracked.orderId);
        }
        // A clientId that is not resting after a cancel round is settled either way.
        this.unresolvedClientIds.clear();
        this.current = undefined;
        if (this.live.size === 0) return 0;
      } catch (err) {
        this.report('stop', err);
        if (isBitunixError(err) && err.kind === 'auth') break; // cannot act without credentials
        await sleep(backoffDelay(round, this.retry));
      }
    }
    const left = this.live.size + this.unresolvedClientIds.size;
    if (left > 0) this.emit('error', { op: 'stop', kind: 'internal', message: `${left} order(s) may still rest after stop: ${[...this.live.keys()].join(', ')}` });
    return left;
  }

  private finish(): void {
    this.machine.dispose();
    this.publicWs?.close();
    this.privateWs?.close();
    this.privateWs?.off('order', this.onOrderPush);
    this.privateWs?.off('ready', this.onPrivateReady);
    this.publicWs?.off('depth', this.onDepth);
    this.publicWs?.off('ticker', this.onTicker);
    if (this.abortListener) this.signal?.removeEventListener('abort', this.abortListener);
  }
}

function samePrice(a: string, b: string, grid: PriceGrid): boolean {
  return toTicks(a, grid) === toTicks(b, grid);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
