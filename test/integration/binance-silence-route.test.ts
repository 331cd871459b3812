// #17 item 10: when a USD-M stream stays silent (the classic symptom of a wrong route), the
// watchdog's message names the route and the streams on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { BinanceStreamClient, type BinanceClientError } from '../../src/exchanges/binance/index.ts';
import { waitFor } from '../helpers/wait.ts';

test('item 10: the silence watchdog names the route that stayed quiet', async (t) => {
  // Completes every handshake and then sends nothing, as the venue does on an unrouted path.
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server });
  const paths: string[] = [];
  wss.on('connection', (_ws, req) => paths.push(req.url ?? ''));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const client = new BinanceStreamClient({
    market: 'usdm',
    wsBaseUrl: `ws://127.0.0.1:${port}`,
    symbols: ['BTCUSDT'],
    streams: ['trade'],
    silenceTimeoutMs: 300,
    reconnectDelayMs: 50,
    maxConnectionAgeMs: 0,
  });
  const errors: BinanceClientError[] = [];
  client.on('error', (e) => errors.push(e));
  t.after(async () => {
    await client.close();
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  client.start();
  const silent = await waitFor(() => errors.find((e) => e.kind === 'silence'), { timeoutMs: 5_000, what: 'silence error' });
  assert.match(silent.message, /USD-M route \/public/);
  assert.match(silent.message, /\/public\/stream/);
  assert.match(silent.message, /btcusdt@trade/);
  assert.match(silent.message, /docs\/binance-routes\.md/);
  assert.ok(paths[0]!.startsWith('/public/stream'), paths[0]);
});
