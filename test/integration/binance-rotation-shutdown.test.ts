// #17 item 13: the flaky "24 h rotation and serverShutdown" run had a second server-closed
// connection. Cause: a server going down announces to every socket on it, a rotation's new socket
// included; the client ignored the notice on that socket, switched to it, and the server then
// closed it. Here the notice reaches both sockets of a rotation on purpose: the client must let
// the told candidate go, rotate onto a fresh socket, and leave the server nothing to close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BinanceStreamClient } from '../../src/exchanges/binance/index.ts';
import type { DropEvent, OpenEvent, RotationEvent } from '../../src/exchanges/binance/index.ts';
import { startBinanceSim } from '../../src/sim/binance/index.ts';
import { waitFor } from '../helpers/wait.ts';

test('item 13: a shutdown notice that reaches the rotation socket too is answered by a fresh rotation', async (t) => {
  const sim = await startBinanceSim({ rate: 50 });
  const client = new BinanceStreamClient({
    wsBaseUrl: sim.url,
    symbols: ['BTCUSDT'],
    streams: ['aggTrade'],
    maxConnectionAgeMs: 0,
    reconnectDelayMs: 50,
    rotationOverlapMaxMs: 5_000,
  });
  const opens: OpenEvent[] = [];
  const drops: DropEvent[] = [];
  const rotations: RotationEvent[] = [];
  let messages = 0;
  client.on('open', (e) => opens.push(e));
  client.on('drop', (e) => drops.push(e));
  client.on('rotation', (e) => rotations.push(e));
  client.on('message', () => messages++);
  client.on('error', () => {});
  t.after(async () => {
    await client.close();
    await sim.close();
  });
  client.start();
  await waitFor(() => messages >= 5, { what: 'data flowing' });

  client.rotateNow();
  await waitFor(() => opens.some((o) => o.rotation), { what: 'rotation socket open' });
  // Both sockets of the rotation are told, with a notice long enough for any loaded machine.
  const fired = sim.faults.fire({ kind: 'shutdown', delay: 3_000 });
  const told = (fired.detail!.connections as number[]) ?? [];
  assert.equal(told.length, 2, `both sockets told: ${JSON.stringify(fired.detail)}`);

  // Every told socket is closed by the client before the server's grace runs out.
  await waitFor(
    () => {
      const conns = sim.stats().connections.filter((c) => told.includes(c.id));
      return conns.length === 2 && conns.every((c) => c.closedAt !== undefined);
    },
    { timeoutMs: 6_000, what: 'both told sockets closed' },
  );
  const closedBy = sim.stats().connections.filter((c) => told.includes(c.id)).map((c) => [c.id, c.serverInitiated, c.closeReason]);
  assert.deepEqual(closedBy.filter(([, server]) => server), [], `closed by the server: ${JSON.stringify(closedBy)}`);
  // The client still has a socket nobody told to go, and it delivers.
  const untold = sim.stats().connections.filter((c) => !told.includes(c.id) && c.closedAt === undefined);
  assert.equal(untold.length, 1);
  const before = messages;
  await waitFor(() => messages > before + 5, { what: 'data after the shutdown' });
  assert.ok(drops.every((d) => d.scheduled), JSON.stringify(drops));
  assert.ok(rotations.some((r) => r.reason === 'server-shutdown'), JSON.stringify(rotations));
});
