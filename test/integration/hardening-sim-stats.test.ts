// #18.4: what the supervisor reads from an external simulator is bounded in time and size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simulatorRecord, type RunningSimulator } from '../../src/supervisor/simulators.ts';

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; base: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function sim(base: string): RunningSimulator {
  return { name: 'binance', endpoints: { rest: base }, stop: async () => {} };
}

test('#18.4 unbounded read of /_sim/stats: a server dripping a byte at a time is cut at the deadline', async () => {
  const timers = new Set<NodeJS.Timeout>();
  const { server, base } = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{');
    // Each byte well inside the idle timeout, so only a total deadline ends it.
    const timer = setInterval(() => res.write(' '), 100);
    timers.add(timer);
    res.on('close', () => clearInterval(timer));
  });
  try {
    const started = Date.now();
    const record = await simulatorRecord(sim(base), 800);
    const took = Date.now() - started;
    assert.match(String(record.error), /no complete answer within 800 ms/);
    assert.ok(took < 3000, `took ${took} ms`);
  } finally {
    for (const t of timers) clearInterval(t);
    server.closeAllConnections();
    server.close();
  }
});

test('#18.4 unbounded read of /_sim/stats: an endless stream is cut at the size cap', async () => {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const { server, base } = await serve((_req, res) => {
    res.writeHead(200);
    res.write('[');
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  try {
    const heapBefore = process.memoryUsage().rss;
    const record = await simulatorRecord(sim(base), 20_000);
    assert.match(String(record.error), /larger than \d+ bytes/);
    const grown = (process.memoryUsage().rss - heapBefore) / 1024 / 1024;
    assert.ok(grown < 200, `RSS grew ${grown.toFixed(0)} MB`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
