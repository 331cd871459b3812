// A third-party client that was written against the real Binance, pointed at the simulator: the
// `binance` npm package's WebsocketClient (it connects to `<wsUrl>/stream` and sends SUBSCRIBE)
// and MainClient (REST: exchangeInfo, depth, time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MainClient, WebsocketClient } from 'binance';
import { startBinanceSim } from '../../src/sim/binance/index.ts';
import { waitFor } from '../helpers/wait.ts';

const silent = { trace: () => {}, info: () => {}, error: () => {} };

interface Trade {
  e: string;
  t: number;
  s: string;
  streamName?: string;
}

test('binance WebsocketClient subscribes to a trade stream, receives trades, and resubscribes after a drop', async () => {
  const sim = await startBinanceSim({ rate: 50 });
  const client = new WebsocketClient({ wsUrl: sim.url }, silent);
  const trades: Trade[] = [];
  let reconnected = 0;
  client.on('message', (event: unknown) => {
    const t = event as Trade;
    if (t.e === 'trade') trades.push(t);
  });
  client.on('reconnected', () => reconnected++);
  try {
    await client.subscribe(['btcusdt@trade'], 'main');
    await waitFor(() => trades.length >= 5, { what: '5 trades through the client' });
    assert.equal(trades[0]!.s, 'BTCUSDT');
    assert.equal(trades[0]!.streamName, 'btcusdt@trade', 'it read the combined wrapper');
    for (let i = 1; i < trades.length; i++) assert.equal(trades[i]!.t, trades[i - 1]!.t + 1);
    const first = sim.stats().connections[0]!;
    assert.equal(first.path, '/stream');
    assert.ok(first.streams['btcusdt@trade']!.sent >= 5);

    sim.faults.fire({ kind: 'drop' });
    await waitFor(() => reconnected > 0 && sim.stats().openConnections === 1, { what: 'the client to reconnect' });
    const seen = trades.length;
    await waitFor(() => trades.length >= seen + 5, { what: 'trades after resubscribing' });
    const stats = sim.stats();
    assert.equal(stats.connectionsOpened, 2);
    const second = stats.connections.find((c) => c.closedAt === undefined)!;
    assert.ok(second.streams['btcusdt@trade']!.sent >= 5, 'it resubscribed on the new connection');
  } finally {
    client.closeAll(true);
    await waitFor(() => sim.stats().openConnections === 0, { what: 'client closed' });
    await sim.close();
  }
});

// Not getServerTime(): that package sends it to its built-in host whatever baseUrl says.
test('binance MainClient reads exchangeInfo and a depth snapshot', async () => {
  const sim = await startBinanceSim();
  try {
    const rest = new MainClient({ baseUrl: sim.httpUrl });
    await rest.testConnectivity();
    const info = await rest.getExchangeInfo();
    assert.deepEqual(
      info.symbols.map((s) => s.symbol),
      ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'],
    );
    const book = await rest.getOrderBook({ symbol: 'BTCUSDT', limit: 10 });
    assert.equal(book.bids.length, 10);
    assert.equal(book.asks.length, 10);
    assert.ok(Number(book.bids[0]![0]) < Number(book.asks[0]![0]));
    assert.equal(typeof book.lastUpdateId, 'number');
  } finally {
    await sim.close();
  }
});
