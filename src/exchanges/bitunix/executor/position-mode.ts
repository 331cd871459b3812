// The account's position mode: the executor trades HEDGE only. Checked at start-up, and again
// when something suggests the account changed under us (a refused placement, an order vanishing
// without a trace); a mismatch that cannot be fixed is a LockRequest.
import { BitunixCode, isBitunixError } from '../errors.ts';
import type { BitunixRest } from '../rest.ts';

/** Thrown where only ERROR_LOCK can follow; the message is the lock reason. */
export class LockRequest extends Error {}

export interface PositionModeOptions {
  rest: BitunixRest;
  marginCoin: string;
  /** Switch the account to HEDGE when it is not. */
  setPositionMode: boolean;
}

export class PositionModeGuard {
  private readonly rest: BitunixRest;
  private readonly marginCoin: string;
  private readonly setPositionMode: boolean;
  private recheck = false;

  constructor(options: PositionModeOptions) {
    this.rest = options.rest;
    this.marginCoin = options.marginCoin;
    this.setPositionMode = options.setPositionMode;
  }

  /** Something suggests the account changed: the next reconcile checks the mode again. */
  requestRecheck(): void {
    this.recheck = true;
  }

  /** Checks the mode again when a re-check was asked for (throws LockRequest on an unfixable mismatch). */
  async recheckIfRequested(): Promise<void> {
    if (!this.recheck) return;
    await this.ensureHedge();
    this.recheck = false;
  }

  /** Throws LockRequest when the account is not in HEDGE mode and cannot be switched. */
  async ensureHedge(): Promise<void> {
    const account = await this.rest.getAccount(this.marginCoin);
    if (account.positionMode === 'HEDGE') return;
    let seen: string = account.positionMode ?? 'unknown';
    if (account.positionMode === undefined) {
      // Some live answers lack positionMode. Switching blind fails with 20009 whenever positions
      // or orders are open (and locks the executor): read the mode off what is open instead.
      const mode = await this.readFromOpen();
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

  /** The account's mode as open positions and orders show it; `busy` when any are open. */
  private async readFromOpen(): Promise<{ mode?: string | undefined; busy: boolean }> {
    const positions = await this.rest.getPendingPositions({});
    const fromPosition = positions.find((p) => p.positionMode !== undefined)?.positionMode;
    if (fromPosition) return { mode: fromPosition, busy: true };
    const { orders } = await this.rest.getPendingOrders({ limit: 100 });
    const fromOrder = orders.find((o) => o.positionMode !== undefined)?.positionMode;
    return { mode: fromOrder, busy: positions.length > 0 || orders.length > 0 };
  }
}
