// One market-data client in a worker thread, counting what it delivers to its caller over a fixed
// window after a warm-up: messages, wall time and the thread's own CPU. The same harness runs
// every client so that only the client differs:
//   raw      a bare `ws` socket that JSON.parse's each frame (the limit of this host and simulator)
//   ours     BinanceStreamClient, as the probe runs it (minus the probe's own tallies)
//   binance  the `binance` npm package's WebsocketClient (connects to <wsUrl>/stream, SUBSCRIBE)
//   ccxt     ccxt pro `watchTrades`, one loop per symbol, urls.api.ws.spot pointed at the simulator
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

export type ClientKind = 'raw' | 'ours' | 'binance' | 'ccxt';

export interface IngestJob {
  client: ClientKind;
  wsUrl: string;
  httpUrl: string;
  /** Upper-case symbols; each is subscribed as `<symbol>@trade`. */
  symbols: string[];
  warmupMs: number;
  windowMs: number;
}

export interface IngestResult {
  client: ClientKind;
  messages: number;
  elapsedMs: number;
  /** CPU of the worker thread over the window, µs. */
  cpuUs: number;
  msgsPerSec: number;
  /** Thread CPU per delivered message, µs: the client's cost, whoever is the bottleneck. */
  cpuUsPerMsg: number;
}

/** Runs one job in a fresh worker thread and resolves with its result. */
export function runIngestWorker(job: IngestJob, timeoutMs = job.warmupMs + job.windowMs + 30_000): Promise<IngestResult> {
  const worker = new Worker(new URL(import.meta.url), { workerData: job });
  return new Promise<IngestResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`${job.client}: no result within ${timeoutMs} ms`));
    }, timeoutMs);
    worker.once('message', (r: IngestResult | { error: string }) => {
      clearTimeout(timer);
      if ('error' in r) reject(new Error(`${job.client}: ${r.error}`));
      else resolve(r);
      void worker.terminate();
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

// ---- worker side ----------------------------------------------------------------------------

let count = 0;
const noop = () => {};

async function startClient(job: IngestJob): Promise<() => Promise<void>> {
  const streams = job.symbols.map((s) => `${s.toLowerCase()}@trade`);
  switch (job.client) {
    case 'raw': {
      const { default: WebSocket } = await import('ws');
      const ws = new WebSocket(`${job.wsUrl}/stream?streams=${streams.join('/')}`, { perMessageDeflate: false });
      ws.on('message', (data: Buffer) => {
        JSON.parse(data.toString());
        count++;
      });
      ws.on('error', noop);
      return async () => ws.terminate();
    }
    case 'ours': {
      const { BinanceStreamClient } = await import('../../src/exchanges/binance/client.ts');
      const client = new BinanceStreamClient({ wsBaseUrl: job.wsUrl, restBaseUrl: job.httpUrl, symbols: job.symbols, streams: ['trade'] });
      client.on('message', () => count++);
      client.on('error', noop);
      client.start();
      return () => client.close();
    }
    case 'binance': {
      const { WebsocketClient } = await import('binance');
      const silent = { trace: noop, info: noop, error: noop };
      const client = new WebsocketClient({ wsUrl: job.wsUrl }, silent);
      client.on('message', () => count++);
      await client.subscribe(streams, 'main');
      return async () => client.closeAll(true);
    }
    case 'ccxt': {
      const { default: ccxt } = await import('ccxt');
      const ex = new ccxt.pro.binance({ options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false } });
      (ex.urls as any).api.ws.spot = `${job.wsUrl}/stream`; // must contain /stream: ccxt's spot test
      (ex.urls as any).api.public = `${job.httpUrl}/api/v3`;
      await ex.loadHttpProxyAgent(); // ccxt refuses plain ws:// without its http agent loaded
      await ex.loadMarkets();
      let closed = false;
      const loops = job.symbols.map(async (s) => {
        const symbol = `${s.slice(0, -4)}/${s.slice(-4)}`;
        while (!closed) {
          try {
            // Not `count += await …`: that reads `count` before the await and loses the other loops' counts.
            const trades = await ex.watchTrades(symbol);
            count += trades.length;
          } catch (err) {
            if (!closed) throw err;
          }
        }
      });
      return async () => {
        closed = true;
        await ex.close();
        await Promise.allSettled(loops);
      };
    }
  }
}

async function runJob(job: IngestJob): Promise<IngestResult> {
  const close = await startClient(job);
  const deadline = performance.now() + 15_000;
  while (count === 0) {
    if (performance.now() > deadline) throw new Error('no message within 15 s');
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, job.warmupMs));
  const c0 = count;
  const cpu0 = process.threadCpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, job.windowMs));
  const messages = count - c0;
  const elapsedMs = performance.now() - t0;
  const cpu = process.threadCpuUsage(cpu0);
  await close();
  const cpuUs = cpu.user + cpu.system;
  return {
    client: job.client,
    messages,
    elapsedMs,
    cpuUs,
    msgsPerSec: (messages / elapsedMs) * 1000,
    cpuUsPerMsg: messages > 0 ? cpuUs / messages : NaN,
  };
}

if (!isMainThread && (workerData as IngestJob | undefined)?.client) {
  runJob(workerData as IngestJob).then(
    (result) => parentPort!.postMessage(result),
    (err: Error) => parentPort!.postMessage({ error: err.stack ?? err.message }),
  );
}
