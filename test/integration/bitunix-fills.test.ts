// #17 item 6: "No real fills" holds. A fill (partial or whole) of the executor's entry order is
// closed at once with a reduce-only HEDGE CLOSE naming the position, counted, and no position is
// left open in the simulator, during the run and after stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBitunixWorker } from '../helpers/bitunix-worker.ts';
import { waitFor } from '../helpers/wait.ts';

async function restingEntry(w: Awaited<ReturnType<typeof runBitunixWorker>>) {
  return waitFor(() => w.sim.state().orders.find((o) => o.status === 'NEW' && o.tradeSide === 'OPEN'), { what: 'a resting entry order' });
}

test('item 6: a partial then a full fill are each closed at once; no position stays open', async (t) => {
  const w = await runBitunixWorker(t, { options: { qty: '0.0003' } });
  const entry = await restingEntry(w);
  w.sim.fillOrder(entry.orderId, '0.0001');
  await waitFor(() => (w.counters().fill_closes ?? 0) >= 1 && w.sim.state().positions.length === 0, { what: 'partial fill closed' });
  assert.equal(w.counters().fills, 1);
  const close = w.sim.state().orders.find((o) => o.tradeSide === 'CLOSE')!;
  assert.ok(close, 'a close order was sent');
  // HEDGE convention: the side names the position (BUY+CLOSE closes the long the BUY opened).
  assert.equal(close.side, 'BUY');
  assert.equal(close.qty, '0.0001');
  assert.equal(close.status, 'FILLED');
  assert.ok(close.positionId);

  // The rest of the same order fills: only the new 0.0002 is closed.
  const still = w.sim.state().orders.find((o) => o.orderId === entry.orderId)!;
  assert.equal(still.status, 'PART_FILLED');
  w.sim.fillOrder(entry.orderId);
  await waitFor(() => (w.counters().fill_closes ?? 0) >= 2 && w.sim.state().positions.length === 0, { what: 'second fill closed' });
  const closes = w.sim.state().orders.filter((o) => o.tradeSide === 'CLOSE');
  assert.deepEqual(closes.map((o) => o.qty).sort(), ['0.0001', '0.0002']);
  // The executor goes on with a new entry order and never more than one.
  await waitFor(() => w.sim.state().orders.some((o) => o.status === 'NEW' && o.orderId !== entry.orderId), { what: 'a new entry' });
  await w.stop();
  const c = w.counters();
  assert.equal(c.fills, 2);
  assert.equal(c.fill_closes, 2);
  assert.equal(w.sim.state().positions.length, 0, 'no position after stop');
  assert.equal(w.sim.stats().orders.open, 0, 'no order after stop');
  assert.equal(w.events('fill').length, 2);
  assert.equal(w.events('fill_close').length, 2);
});

test('item 6: a partial fill just before stop is closed by the stop', async (t) => {
  // A long tick and no private stream: nothing notices the fill before the stop does.
  const w = await runBitunixWorker(t, { options: { qty: '0.0002', tick: '30s', privateStream: false, verifyInterval: '60s' } });
  const entry = await restingEntry(w);
  w.sim.fillOrder(entry.orderId, '0.0001');
  assert.equal(w.sim.state().positions.length, 1);
  await w.stop();
  assert.equal(w.sim.state().positions.length, 0, 'the stop closed the filled quantity');
  assert.equal(w.sim.stats().orders.open, 0);
  const c = w.counters();
  assert.equal(c.fills, 1);
  assert.equal(c.fill_closes, 1);
});
