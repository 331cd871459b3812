import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalOrderBook } from '../../src/exchanges/binance/orderbook.ts';
import type { DepthSnapshot, DepthUpdateEvent, Level } from '../../src/exchanges/binance/payloads.ts';
import { waitFor } from '../helpers/wait.ts';

const ev = (U: number, u: number, b: Level[] = [], a: Level[] = [], pu?: number): DepthUpdateEvent => ({
  e: 'depthUpdate',
  E: 1,
  s: 'BTCUSDT',
  U,
  u,
  ...(pu === undefined ? {} : { pu }),
  b,
  a,
});

/** A fetcher the test answers by hand, so the order of events vs snapshot is exact. */
function manualFetcher() {
  const calls: { symbol: string; resolve: (s: DepthSnapshot) => void; reject: (e: Error) => void; signal: AbortSignal }[] = [];
  const fetchSnapshot = (symbol: string, signal: AbortSignal) =>
    new Promise<DepthSnapshot>((resolve, reject) => calls.push({ symbol, resolve, reject, signal }));
  return { calls, fetchSnapshot };
}

test('spot: buffers, drops what the snapshot covers, applies the rest in order', async () => {
  const f = manualFetcher();
  const book = new LocalOrderBook({ symbol: 'btcusdt', market: 'spot', fetchSnapshot: f.fetchSnapshot, minSnapshotIntervalMs: 0 });
  book.update(ev(101, 103, [['10.0', '1']]));
  await waitFor(() => f.calls.length === 1, { what: 'snapshot request' });
  assert.equal(f.calls[0]!.symbol, 'BTCUSDT');
  assert.equal(book.state, 'syncing');
  book.update(ev(104, 106, [['10.0', '0'], ['9.5', '2']], [['11', '3']]));
  book.update(ev(107, 108, [], [['11', '0'], ['12', '1']]));
  f.calls[0]!.resolve({ lastUpdateId: 105, bids: [['10.0', '5'], ['9.0', '1']], asks: [['11', '1']] });
  await waitFor(() => book.state === 'synced', { what: 'synced' });
  assert.equal(book.lastUpdateId, 108);
  // 101..103 was inside the snapshot (dropped); 104..106 straddles it and applies; 107..108 follows.
  assert.deepEqual(Object.fromEntries(book.bids), { '9.0': '1', '9.5': '2' });
  assert.deepEqual(Object.fromEntries(book.asks), { '12': '1' });
  assert.deepEqual(book.bestBid(), ['9.5', '2']);
  assert.deepEqual(book.bestAsk(), ['12', '1']);
  book.update(ev(109, 109, [['9.9', '4']]));
  assert.deepEqual(book.top(1).bids, [['9.9', '4']]);
  assert.equal(book.resyncs, 0);
  book.close();
});

test('spot: a snapshot older than the first buffered event is fetched again', async () => {
  const f = manualFetcher();
  const book = new LocalOrderBook({ symbol: 'BTCUSDT', market: 'spot', fetchSnapshot: f.fetchSnapshot, minSnapshotIntervalMs: 0 });
  book.update(ev(200, 205));
  await waitFor(() => f.calls.length === 1);
  f.calls[0]!.resolve({ lastUpdateId: 150, bids: [], asks: [] });
  await waitFor(() => f.calls.length === 2, { what: 'second snapshot request' });
  assert.equal(book.staleSnapshots, 1);
  assert.equal(book.state, 'syncing');
  f.calls[1]!.resolve({ lastUpdateId: 202, bids: [], asks: [] });
  await waitFor(() => book.state === 'synced');
  assert.equal(book.lastUpdateId, 205);
  book.close();
});

test('spot: a break in U → resync with a new snapshot, counted', async () => {
  const f = manualFetcher();
  const reasons: string[] = [];
  const book = new LocalOrderBook({
    symbol: 'BTCUSDT',
    market: 'spot',
    fetchSnapshot: f.fetchSnapshot,
    minSnapshotIntervalMs: 0,
    onResync: (r) => reasons.push(r),
  });
  book.update(ev(1, 2));
  await waitFor(() => f.calls.length === 1);
  f.calls[0]!.resolve({ lastUpdateId: 1, bids: [['5', '1']], asks: [] });
  await waitFor(() => book.state === 'synced');
  book.update(ev(3, 4));
  book.update(ev(9, 10, [['6', '1']]));
  assert.equal(book.resyncs, 1);
  assert.equal(book.state, 'syncing');
  assert.equal(book.bids.size, 0, 'the broken book is discarded, not served');
  assert.match(reasons[0]!, /gap/);
  await waitFor(() => f.calls.length === 2);
  f.calls[1]!.resolve({ lastUpdateId: 9, bids: [['5', '2']], asks: [] });
  await waitFor(() => book.state === 'synced');
  assert.deepEqual(Object.fromEntries(book.bids), { '5': '2', '6': '1' }, 'the event that revealed the gap is applied after the resync');
  book.close();
});

test('USD-M: first event must straddle the snapshot, then pu chains', async () => {
  const f = manualFetcher();
  const book = new LocalOrderBook({ symbol: 'BTCUSDT', market: 'usdm', fetchSnapshot: f.fetchSnapshot, minSnapshotIntervalMs: 0 });
  book.update(ev(90, 95, [], [], 89));
  book.update(ev(96, 104, [['1', '1']], [], 95));
  book.update(ev(105, 110, [['2', '1']], [], 104));
  await waitFor(() => f.calls.length === 1);
  f.calls[0]!.resolve({ lastUpdateId: 100, bids: [], asks: [] });
  await waitFor(() => book.state === 'synced');
  assert.equal(book.lastUpdateId, 110);
  assert.deepEqual(Object.fromEntries(book.bids), { '1': '1', '2': '1' });
  book.update(ev(111, 120, [], [], 111)); // pu should be 110
  assert.equal(book.resyncs, 1);
  book.close();
});

test('snapshot failures are reported and retried; close aborts what is in flight', async () => {
  let calls = 0;
  let lastSignal: AbortSignal | undefined;
  const errors: Error[] = [];
  const book = new LocalOrderBook({
    symbol: 'BTCUSDT',
    market: 'spot',
    minSnapshotIntervalMs: 0,
    retryBaseMs: 1,
    retryMaxMs: 5,
    onError: (e) => errors.push(e),
    fetchSnapshot: (_symbol, signal) => {
      calls++;
      lastSignal = signal;
      if (calls <= 2) return Promise.reject(new Error(`HTTP 503 #${calls}`));
      return new Promise<DepthSnapshot>(() => {});
    },
  });
  book.update(ev(1, 1));
  await waitFor(() => calls === 3, { what: 'third attempt' });
  assert.deepEqual(errors.map((e) => e.message), ['HTTP 503 #1', 'HTTP 503 #2']);
  book.close();
  assert.equal(lastSignal?.aborted, true);
  assert.equal(book.state, 'closed');
});
