// #18 item 12: "One bogus trade id mutes the Binance stream". A venue (or a proxy) that sends one
// trade with id 1e300, or one that jumps absurdly far ahead, must not become the stream's
// high-water mark: the trades after it are still delivered, and the bad event is counted malformed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { BinanceStreamClient } from '../../src/exchanges/binance/index.ts';
import { waitFor } from '../helpers/wait.ts';

/** Serves one combined stream on 127.0.0.1 and sends exactly the trade ids it is given. */
async function venue(ids: number[]): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws: WebSocket) => {
    const E = Date.now();
    for (const t of ids) {
      // JSON.stringify(1e300) is "1e+300": the same text a venue bug would put on the wire.
      ws.send(JSON.stringify({ stream: 'btcusdt@trade', data: { e: 'trade', E, s: 'BTCUSDT', t, p: '1.0', q: '1.0', T: E, m: false } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function deliveredAfter(ids: number[]): Promise<{ delivered: number[]; malformed: number; duplicates: number }> {
  const v = await venue(ids);
  const client = new BinanceStreamClient({
    wsBaseUrl: v.url,
    symbols: ['BTCUSDT'],
    streams: ['trade'],
    maxConnectionAgeMs: 0,
    silenceTimeoutMs: 0,
  });
  const delivered: number[] = [];
  client.on('message', (_stream, data) => delivered.push((data as { t: number }).t));
  client.on('error', () => {});
  client.start();
  try {
    const handled = () => {
      const s = client.stats();
      return s.malformed + s.duplicates + delivered.length >= ids.length;
    };
    await waitFor(handled, { what: `all ${ids.length} frames handled` });
    const s = client.stats();
    return { delivered, malformed: s.malformed, duplicates: s.duplicates };
  } finally {
    await client.close();
    await v.close();
  }
}

test('#18 item 12: one bogus trade id (1e300) does not mute the stream', async () => {
  const r = await deliveredAfter([1, 2, 3, 1e300, 4, 5, 6, 7, 8]);
  assert.deepEqual(r.delivered, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(r.malformed, 1);
  assert.equal(r.duplicates, 0);
});

test('#18 item 12: an absurd forward jump is malformed; a venue that really moved is followed', async () => {
  const far = 2 ** 52;
  const r = await deliveredAfter([10, 11, far, 12, 13, far * 1.5, far * 1.5 + 1, far * 1.5 + 2]);
  // `far` alone is rejected and 12, 13 flow on; two agreeing events far ahead are believed.
  assert.deepEqual(r.delivered, [10, 11, 12, 13, far * 1.5 + 1, far * 1.5 + 2]);
  assert.equal(r.malformed, 2);
  assert.equal(r.duplicates, 0);
});
