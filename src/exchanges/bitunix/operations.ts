// Operations, for the error rate. An *operation* is one call of a BitunixRest method made by its
// user (place, modify, cancel, a query): the HTTP retries, the rate-limit waits and the clientId
// look-ups it makes on the way are part of it, not operations of their own. An operation *failed*
// when it finally threw, except for answers that are information rather than failure: "order not
// found" (20007) on a look-up, and an abort because the caller is stopping.
//
// Counting per HTTP attempt made one 5xx that a retry absorbed look like a failure, while the
// denominator only counted attempts: the ratio measured neither what the user asked nor what broke.
import { AsyncLocalStorage } from 'node:async_hooks';
import { isBitunixError, isOrderNotFound } from './errors.ts';
import type { BitunixRest } from './rest.ts';

const OPERATION_METHODS = [
  'placeOrder',
  'modifyOrder',
  'cancelOrders',
  'cancelAllOrders',
  'getPendingOrders',
  'getOrderDetail',
  'findByClientId',
  'getAccount',
  'changePositionMode',
  'getPendingPositions',
  'getTickers',
  'getDepth',
  'getTradingPairs',
] as const;
type OperationName = (typeof OPERATION_METHODS)[number];

export interface OperationOutcome {
  op: OperationName;
  ok: boolean;
  error?: unknown;
}

const LOOKUPS: ReadonlySet<OperationName> = new Set(['getOrderDetail', 'findByClientId', 'getPendingOrders']);

/** Whether an error thrown by `op` is a failed operation (see the file comment). */
function isOperationFailure(op: OperationName, err: unknown): boolean {
  if (isBitunixError(err) && err.kind === 'aborted') return false;
  if (LOOKUPS.has(op) && isOrderNotFound(err)) return false;
  return true;
}

/**
 * Makes `rest` report each outermost method call to `onOperation` once it settles. Calls a method
 * makes on the same client while it runs (retries' look-ups) are inside that operation.
 */
export function observeOperations<T extends BitunixRest>(rest: T, onOperation: (outcome: OperationOutcome) => void): T {
  const inside = new AsyncLocalStorage<true>();
  const target = rest as unknown as Record<OperationName, (...args: unknown[]) => Promise<unknown>>;
  for (const op of OPERATION_METHODS) {
    const original = target[op];
    if (typeof original !== 'function') continue;
    target[op] = function (this: unknown, ...args: unknown[]) {
      if (inside.getStore()) return original.apply(rest, args);
      return inside.run(true, async () => {
        try {
          const value = await original.apply(rest, args);
          onOperation({ op, ok: true });
          return value;
        } catch (err) {
          onOperation(isOperationFailure(op, err) ? { op, ok: false, error: err } : { op, ok: true });
          throw err;
        }
      });
    };
  }
  return rest;
}
