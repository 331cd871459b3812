// #17 item 6 (position mode): a live account answer without `positionMode` must not make the
// executor try to switch (20009 with open positions locks it): the mode is read off what is open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HedgeLimitExecutor } from '../../src/exchanges/bitunix/executor/executor.ts';
import { BitunixApiError } from '../../src/exchanges/bitunix/errors.ts';
import type { BitunixRest } from '../../src/exchanges/bitunix/rest.ts';
import type { Position } from '../../src/exchanges/bitunix/types.ts';
import { waitFor } from '../helpers/wait.ts';

function fakeRest(positions: Position[]) {
  const calls: string[] = [];
  const rest = {
    hasCredentials: true,
    async getTradingPairs() {
      calls.push('getTradingPairs');
      return [{ symbol: 'BTCUSDT', basePrecision: 4, quotePrecision: 1, minTradeVolume: '0.0001' }];
    },
    async getAccount() {
      calls.push('getAccount');
      return { marginCoin: 'USDT', raw: {} }; // no positionMode, as some live answers
    },
    async getPendingPositions() {
      calls.push('getPendingPositions');
      return positions;
    },
    async getPendingOrders() {
      calls.push('getPendingOrders');
      return { orders: [], total: 0 };
    },
    async changePositionMode() {
      calls.push('changePositionMode');
      throw new BitunixApiError('account/change_position_mode', 20009, 'Position exists, so positions mode cannot be updated');
    },
    async getDepth() {
      calls.push('getDepth');
      return { bid: '60000.0', ask: '60000.1' };
    },
    async placeOrder() {
      calls.push('placeOrder');
      return { orderId: '1', clientId: 'x' };
    },
    async cancelOrders() {
      calls.push('cancelOrders');
      return { successList: [{ orderId: '1' }], failureList: [] };
    },
  };
  return { rest: rest as unknown as BitunixRest, calls };
}

test('item 6: positionMode missing, a HEDGE position open → HEDGE read from it, no switch attempted', async () => {
  const { rest, calls } = fakeRest([{ positionId: 'p1', symbol: 'BTCUSDT', side: 'LONG', qty: '0.0001', positionMode: 'HEDGE' }]);
  const ex = new HedgeLimitExecutor({ rest, symbol: 'BTCUSDT', side: 'BUY', qty: '0.0001', offset: 0.0005, tickMs: 10_000 });
  const run = ex.start();
  await waitFor(() => ex.state === 'WORKING' || ex.state === 'ERROR_LOCK', { what: 'started' });
  await ex.stop();
  await run;
  assert.ok(!calls.includes('changePositionMode'), calls.join(','));
  assert.equal(ex.errorLockReason, undefined);
});

test('item 6: positionMode missing and unreadable while positions are open → a clear lock, no switch', async () => {
  const { rest, calls } = fakeRest([{ positionId: 'p1', symbol: 'BTCUSDT', side: 'LONG', qty: '0.0001' }]);
  const ex = new HedgeLimitExecutor({ rest, symbol: 'BTCUSDT', side: 'BUY', qty: '0.0001', offset: 0.0005, tickMs: 10_000 });
  const run = ex.start();
  await waitFor(() => ex.state === 'ERROR_LOCK', { what: 'locked' });
  await ex.stop();
  await run;
  assert.ok(!calls.includes('changePositionMode'));
  assert.match(ex.errorLockReason!, /position mode unknown.*set HEDGE mode on the account by hand/);
});

test('item 6: positionMode missing and nothing open → switching is safe and is done', async () => {
  const { rest, calls } = fakeRest([]);
  const ex = new HedgeLimitExecutor({ rest, symbol: 'BTCUSDT', side: 'BUY', qty: '0.0001', offset: 0.0005, tickMs: 10_000 });
  const run = ex.start();
  await waitFor(() => calls.includes('changePositionMode') || ex.state === 'WORKING', { what: 'switch attempted' });
  await ex.stop();
  await run;
  assert.ok(calls.includes('changePositionMode'));
});
