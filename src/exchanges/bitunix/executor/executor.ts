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
//
// The loop and the order actions live here; the parts it drives each have their own module:
// ledger.ts (what we track), reconcile.ts (one look at the exchange), position-mode.ts (HEDGE),
// fill-closer.ts (closing fills), quotes.ts (prices), stop-sweep.ts (cancelling).
import { EventEmitter } from 'eventemitter3';
import { Alarm, backoffDelay, sleep } from '../backoff.ts';
import { isBitunixError } from '../errors.ts';
import type { BitunixRest } from '../rest.ts';
import type { BitunixWs } from '../ws.ts';
import { makeNonce } from '../signer.ts';
import type { OrderEvent, Side } from '../types.ts';
import { entryTicks, fromTicks, toTicks, type PriceGrid } from './pricing.ts';
import type { FillLedger } from './fills.ts';
import { AuthCheck } from './auth-check.ts';
import { FillCloser } from './fill-closer.ts';
import { OrderLedger, settlePrice, type TrackedOrder } from './ledger.ts';
import { describe, failureNotice, type HedgeLimitExecutorEvents, type Notices } from './notices.ts';
import { checkOptions, type HedgeLimitExecutorOptions } from './options.ts';
import { LockRequest, PositionModeGuard } from './position-mode.ts';
import { EarlyPushes, readOrderPush } from './pushes.ts';
import { QuoteFeed } from './quotes.ts';
import { Reconciler, type Resolution } from './reconcile.ts';
import { loadSymbol, startupLockReason } from './startup.ts';
import { cancelOrders, sweepAtStop, type CancelContext } from './stop-sweep.ts';
import {
  createExecutorMachine,
  DEFAULT_STATE_TIMEOUTS,
  type ExecutorState,
  type StateMachine,
} from './state-machine.ts';

export type { ExecutorErrorNotice, HedgeLimitExecutorEvents, OrderNotice } from './notices.ts';
export type { HedgeLimitExecutorOptions } from './options.ts';

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
  private readonly modifyConfirmTimeoutMs: number;
  private readonly verifyIntervalMs: number;
  private lastVerifiedAt = 0;
  private readonly retry: { baseMs: number; maxMs: number };

  private grid: PriceGrid = { precision: 2 };
  private readonly notices: Notices = { order: (n) => this.emit('order', n), fill: (n) => this.emit('fill', n), error: (n) => this.emit('error', n) };
  private readonly orders: OrderLedger;
  private readonly quotes: QuoteFeed;
  private readonly mode: PositionModeGuard;
  private readonly closer: FillCloser;
  private readonly reconciler: Reconciler;
  private readonly cancelling: CancelContext;
  private readonly earlyPushes = new EarlyPushes();
  private doubt: string | undefined;
  private placingClientId: string | undefined;
  private readonly auth: AuthCheck;
  private lockReason: string | undefined;

  private stopRequested = false;
  private stopReason = 'stopped';
  private readonly stopController = new AbortController();
  /** Cut short by a doubt or a stop request. */
  private readonly alarm = new Alarm();
  private runPromise: Promise<void> | undefined;
  private readonly abortListener: (() => void) | undefined;
  private readonly signal: AbortSignal | undefined;

  constructor(options: HedgeLimitExecutorOptions) {
    super();
    checkOptions(options);
    const rest = options.rest;
    this.rest = rest;
    this.publicWs = options.publicWs;
    this.privateWs = options.privateWs;
    this.symbol = options.symbol;
    this.side = options.side;
    this.qty = options.qty;
    this.offset = options.offset;
    this.tickMs = options.tickMs;
    const marginCoin = options.marginCoin ?? 'USDT';
    this.modifyConfirmTimeoutMs = options.modifyConfirmTimeoutMs ?? Math.max(3000, 2 * options.tickMs);
    this.verifyIntervalMs = options.verifyIntervalMs ?? 30_000;
    this.retry = { baseMs: options.retryBaseMs ?? 250, maxMs: options.retryMaxMs ?? 10_000 };
    // Short and alphanumeric: the docs give no clientId format, so stay conservative.
    this.orders = new OrderLedger(`${options.clientIdPrefix ?? 'xs'}${makeNonce(6)}`, this.qty);
    this.quotes = new QuoteFeed(this.symbol, options.priceStaleMs ?? Math.max(2000, 2 * options.tickMs));
    this.auth = new AuthCheck({ rest, marginCoin, waitMs: this.retry.baseMs });
    this.mode = new PositionModeGuard({ rest, marginCoin, setPositionMode: options.setPositionMode ?? true });
    const { symbol, orders, notices } = this;
    this.closer = new FillCloser({ rest, symbol, side: this.side, orders, notices, retry: this.retry });
    const { unknownOrderRetries = 3, maxCancelRounds = 5 } = options;
    this.reconciler = new Reconciler({ rest, symbol, orders, notices, fills: this.closer, mode: this.mode, unknownOrderRetries, maxCancelRounds });
    this.cancelling = { rest, symbol, orders, notices, fills: this.closer };
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
    this.publicWs?.on('depth', this.quotes.onDepth);
    this.publicWs?.on('ticker', this.quotes.onTicker);
  }

  /** Fills seen and not yet closed: "no real fills" means each is closed at once. */
  get fills(): FillLedger {
    return this.closer.ledger;
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
    return this.orders.ids();
  }

  workingOrder(): Readonly<{ orderId: string; price: string; pendingPrice?: string | undefined }> | undefined {
    const current = this.orders.current;
    return current ? { orderId: current.orderId, price: current.price, pendingPrice: current.pendingPrice } : undefined;
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
    this.alarm.wake();
  }

  // ---- the loop ---------------------------------------------------------------------------------

  private async run(): Promise<void> {
    try {
      if (this.stopRequested) return;
      this.to('STARTING', 'start');
      const ready = await this.startup();
      if (ready) {
        this.publicWs?.subscribe([{ ch: 'ticker', symbol: this.symbol }, { ch: 'depth_book1', symbol: this.symbol }]);
        this.privateWs?.subscribe([{ ch: 'order' }, { ch: 'position' }]);
        this.publicWs?.connect();
        this.privateWs?.connect();
      }
      let nextTick = Date.now();
      while (!this.stopRequested) {
        const wait = nextTick - Date.now();
        if (wait > 0 && !this.doubt) await this.alarm.sleep(wait);
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

  private async step(): Promise<void> {
    if (this.doubt) {
      await this.reconcile(this.doubt);
      return;
    }
    const state = this.state;
    if (state !== 'IDLE' && state !== 'WORKING') return;
    const current = this.orders.current;
    if (state === 'WORKING' && current?.pendingPrice !== undefined && Date.now() - (current.modifiedAt ?? 0) > this.modifyConfirmTimeoutMs) {
      await this.reconcile(`modify to ${current.pendingPrice} not confirmed within ${this.modifyConfirmTimeoutMs} ms`);
      return;
    }
    if (state === 'WORKING' && Date.now() - this.lastVerifiedAt > this.verifyIntervalMs) {
      await this.reconcile('periodic verification');
      return;
    }
    const quote = await this.quotes.current(this.rest, (err) => this.report('market/depth', err));
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
        this.grid = await loadSymbol(this.rest, this.symbol, this.qty);
        await this.mode.ensureHedge();
        this.auth.proven = true;
        this.to('IDLE', 'ready: HEDGE mode, symbol loaded');
        return true;
      } catch (err) {
        if (err instanceof LockRequest) {
          this.lock(err.message);
          return false;
        }
        this.report('startup', err);
        const lockReason = startupLockReason(err);
        if (lockReason !== undefined) {
          this.lock(lockReason);
          return false;
        }
        await this.backoff(attempt);
      }
    }
    return false;
  }

  // ---- order actions ----------------------------------------------------------------------------

  private async place(targetTicks: number): Promise<void> {
    const price = fromTicks(targetTicks, this.grid);
    const clientId = this.orders.nextClientId();
    this.to('PLACING', `place ${this.side} ${this.qty} @ ${price}`);
    this.orders.unresolvedClientIds.add(clientId);
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
      this.orders.unresolvedClientIds.delete(clientId);
      const order: TrackedOrder = { orderId: ack.orderId, clientId, price, qty: this.qty };
      this.orders.work(order);
      this.emit('order', { action: 'placed', orderId: order.orderId, clientId, price });
      this.lastVerifiedAt = Date.now();
      this.to('WORKING', ack.recovered ? `placed @ ${price} (found by clientId after an ambiguous failure)` : `placed @ ${price}`);
      const early = this.earlyPushes.take(order.orderId);
      if (early) this.onOrderPush(early);
    } catch (err) {
      this.report('place_order', err);
      if (isBitunixError(err) && !err.ambiguous) this.orders.unresolvedClientIds.delete(clientId);
      if (isBitunixError(err) && err.kind === 'auth') {
        await this.onAuthFailure(err);
      } else if (isBitunixError(err) && !err.ambiguous) {
        // Refused outright (rate limit after retries, price band, post-only would cross …):
        // nothing rests. A refusal may also mean the account changed under us: look once.
        if (err.kind === 'reject') this.mode.requestRecheck();
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
        this.orders.work(moved);
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

  // ---- reconciling ------------------------------------------------------------------------------

  private async reconcile(reason: string): Promise<void> {
    this.doubt = undefined;
    if (this.state !== 'RECONCILING') this.to('RECONCILING', reason);
    for (let attempt = 0; ; attempt++) {
      if (this.stopRequested) return; // shutdown cancels everything we track anyway
      this.doubt = undefined;
      let resolution: Resolution | 'again';
      try {
        resolution = await this.reconciler.once(this.placingClientId);
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
      this.reconciler.settled();
      this.lastVerifiedAt = Date.now();
      this.to(resolution.to, resolution.reason);
      return;
    }
  }

  private async cancelExtras(extras: TrackedOrder[], reason: string): Promise<void> {
    this.to('CANCELLING', reason);
    try {
      await cancelOrders(this.cancelling, extras);
    } catch (err) {
      this.report('cancel_orders', err);
    }
    await this.reconcile('verify after cancelling extras');
  }

  // ---- pushes -----------------------------------------------------------------------------------

  private readonly onOrderPush = (push: OrderEvent): void => {
    const tracked = this.orders.get(push.orderId);
    const reading = readOrderPush(push, {
      tracked,
      ours: this.orders.isOurClientId(push.clientId),
      placing: this.state === 'PLACING' && push.clientId === this.placingClientId,
      modifying: this.state === 'MODIFYING',
      grid: this.grid,
    });
    if (reading.keep) this.earlyPushes.keep(push);
    if (reading.confirmed && tracked?.pendingPrice !== undefined) settlePrice(tracked, tracked.pendingPrice);
    if (reading.doubt) this.raiseDoubt(reading.doubt);
  };

  private readonly onPrivateReady = (info: { reconnect: boolean }): void => {
    // Pushes sent while we were away are lost: ask REST what happened meanwhile.
    if (info.reconnect && this.orders.size > 0) this.raiseDoubt('private stream reconnected');
  };

  private raiseDoubt(reason: string): void {
    this.doubt ??= reason;
    this.alarm.wake();
  }

  // ---- failures ---------------------------------------------------------------------------------

  /** Credentials that worked before get one re-check; failing again (or never having worked) locks. */
  private async onAuthFailure(err: unknown): Promise<void> {
    const outcome = await this.auth.afterFailure(err, this.stopController.signal, (op, e) => this.report(op, e));
    if ('lock' in outcome) {
      this.lock(outcome.lock);
      return;
    }
    if (this.state !== 'RECONCILING') this.to('RECONCILING', outcome.reason);
    this.raiseDoubt(outcome.doubt);
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
    this.emit('error', failureNotice(op, err));
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
    const left = await sweepAtStop(this.cancelling, this.retry);
    await this.closer.settleAtStop();
    this.to('STOPPED', left === 0 ? this.stopReason : `${this.stopReason}; ${left} order(s) could not be confirmed cancelled`);
    this.finish();
  }

  private finish(): void {
    this.machine.dispose();
    this.publicWs?.close();
    this.privateWs?.close();
    this.privateWs?.off('order', this.onOrderPush);
    this.privateWs?.off('ready', this.onPrivateReady);
    this.publicWs?.off('depth', this.quotes.onDepth);
    this.publicWs?.off('ticker', this.quotes.onTicker);
    if (this.abortListener) this.signal?.removeEventListener('abort', this.abortListener);
  }
}
