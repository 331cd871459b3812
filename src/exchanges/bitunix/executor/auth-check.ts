// Authentication failures at runtime: credentials that worked before get one re-check (a blip on
// the exchange's side should not lock a soak of hours); failing again, or never having worked,
// means the executor locks.
import { sleep } from '../backoff.ts';
import { isBitunixError } from '../errors.ts';
import type { BitunixRest } from '../rest.ts';
import { describe } from './notices.ts';

/** Lock with `lock`, or reconcile (`reason` for the transition, `doubt` for the loop). */
export type AuthOutcome = { lock: string } | { reason: string; doubt: string };

export interface AuthCheckOptions {
  rest: BitunixRest;
  marginCoin: string;
  /** How long to wait before the re-check. */
  waitMs: number;
}

export class AuthCheck {
  /** The credentials have worked at least once since the last failure. */
  proven = false;
  private readonly options: AuthCheckOptions;

  constructor(options: AuthCheckOptions) {
    this.options = options;
  }

  /** After an auth failure `err`: waits (cut short by `signal`), then asks the account once. */
  async afterFailure(err: unknown, signal: AbortSignal, report: (op: string, err: unknown) => void): Promise<AuthOutcome> {
    if (!this.proven) return { lock: `authentication failed: ${describe(err)}` };
    this.proven = false;
    const { rest, marginCoin, waitMs } = this.options;
    try {
      await sleep(waitMs, signal);
    } catch {
      // stopping: the check below still decides what the stop path can do
    }
    try {
      await rest.getAccount(marginCoin);
      this.proven = true;
      return { reason: 'credentials work again after an auth failure', doubt: 'after a transient auth failure' };
    } catch (again) {
      report('account', again);
      if (isBitunixError(again) && again.kind === 'auth') return { lock: `repeated authentication failure: ${describe(again)}` };
      this.proven = true;
      return { reason: 'auth re-check inconclusive', doubt: 'auth re-check inconclusive' };
    }
  }
}
