// Ingest: Binance trade streams from the simulator in its own process, at its maximum useful rate
// over loopback, into four clients one after another (same simulator, same streams, same
// worker-thread harness): a bare `ws` + JSON.parse (the raw limit), ours (BinanceStreamClient),
// the `binance` npm WebsocketClient and ccxt pro watchTrades. msgs/s is what each delivered to its
// caller; µs CPU/msg is its worker thread's CPU per delivered message, the figure that still
// compares clients when the simulator, not the client, is the bottleneck (on 2 cores it often is).
import { figure, ratio, sleep, type Figure, type Row } from './lib/stats.ts';
import { startSimProcess } from './lib/sim-process.ts';
import { runIngestWorker, type ClientKind, type IngestResult } from './lib/ingest-client.ts';
import type { SuiteContext } from './lib/suite.ts';

export const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'];
/** Per stream (× 3 streams) when not calibrated: the knee measured on the 2-core dev box. */
export const DEFAULT_RATE_PER_STREAM = 100_000;
const LADDER = [50_000, 100_000, 150_000];
const CLIENTS: ClientKind[] = ['raw', 'ours', 'binance', 'ccxt'];
const LABEL: Record<ClientKind, string> = { raw: 'raw ws+JSON.parse', ours: 'ours (BinanceStreamClient)', binance: 'binance npm WebsocketClient', ccxt: 'ccxt pro watchTrades' };

/**
 * The maximum useful rate: the lowest offered rate (per stream) at which the raw client receives
 * within 3 % of the most it received on the ladder. Offering more than that only makes the
 * simulator generate events it then skips for slow readers, which costs it the CPU it needs to
 * send (on 2 cores, an over-offered simulator delivers less, not more).
 */
async function calibrate(ctx: SuiteContext): Promise<number> {
  const got: { rate: number; received: number }[] = [];
  for (const rate of LADDER) {
    const sim = await startSimProcess({ exchange: 'binance', rate });
    try {
      const r = await runIngestWorker({ client: 'raw', wsUrl: sim.urls[0]!, httpUrl: sim.urls[1]!, symbols: SYMBOLS, warmupMs: 1000, windowMs: 2000 });
      ctx.log(`  calibrate: offered ${rate * SYMBOLS.length}/s → raw received ${Math.round(r.msgsPerSec)}/s`);
      got.push({ rate, received: r.msgsPerSec });
    } finally {
      await sim.stop();
    }
  }
  const best = Math.max(...got.map((g) => g.received));
  return got.find((g) => g.received >= 0.97 * best)!.rate;
}

export async function ingestSuite(ctx: SuiteContext): Promise<Row[]> {
  // Five: this box is shared and 2-core, and one disturbed repetition must not move the median.
  const reps = ctx.quick ? 1 : 5;
  const warmupMs = ctx.quick ? 1000 : 2000;
  const windowMs = ctx.quick ? 2000 : 5000;
  const ratePerStream = ctx.quick ? DEFAULT_RATE_PER_STREAM : await calibrate(ctx);
  ctx.shared.ratePerStream = ratePerStream;
  const results: Record<ClientKind, IngestResult[]> = { raw: [], ours: [], binance: [], ccxt: [] };
  const simCpu: Record<ClientKind, number[]> = { raw: [], ours: [], binance: [], ccxt: [] };
  const failed: Partial<Record<ClientKind, string>> = {};
  const sim = await startSimProcess({ exchange: 'binance', rate: ratePerStream });
  try {
    for (let rep = 0; rep < reps; rep++) {
      // Rotate the order so no client always runs first (or right after the heaviest one).
      const order = CLIENTS.map((_, i) => CLIENTS[(i + rep) % CLIENTS.length]!);
      for (const client of order) {
        if (failed[client]) continue;
        // Let the simulator drop the previous client's sockets (and what it had buffered for a
        // slow one) before the next client connects.
        await sleep(1000);
        try {
          const cpu0 = await sim.cpuMs();
          const t0 = performance.now();
          const r = await runIngestWorker({ client, wsUrl: sim.urls[0]!, httpUrl: sim.urls[1]!, symbols: SYMBOLS, warmupMs, windowMs });
          // Over the whole run (connect and warm-up included): enough to tell who was the bottleneck.
          simCpu[client].push((((await sim.cpuMs()) - cpu0) / (performance.now() - t0)) * 100);
          results[client].push(r);
          ctx.log(`  rep ${rep + 1}/${reps} ${client}: ${Math.round(r.msgsPerSec)} msgs/s, ${r.cpuUsPerMsg.toFixed(2)} µs CPU/msg`);
        } catch (err) {
          failed[client] = (err as Error).message.split('\n')[0]!;
          ctx.log(`  ${client} failed: ${failed[client]}`);
        }
      }
    }
  } finally {
    await sim.stop();
  }

  const offered = ratePerStream * SYMBOLS.length;
  const rows: Row[] = [{ suite: 'ingest', name: 'offered rate (3 trade streams)', figure: figure([offered], 'msgs/s'), note: ctx.quick ? 'fixed (--quick)' : 'calibrated: lowest offer within 3 % of the raw best' }];
  const rate: Partial<Record<ClientKind, Figure>> = {};
  const cost: Partial<Record<ClientKind, Figure>> = {};
  for (const client of CLIENTS) {
    if (failed[client] && results[client].length === 0) {
      rows.push({ suite: 'ingest', name: `${LABEL[client]}: msgs/s`, figure: figure([], 'msgs/s'), note: `left out: ${failed[client]}` });
      continue;
    }
    rate[client] = figure(results[client].map((r) => r.msgsPerSec), 'msgs/s');
    const cpuPct = figure(results[client].map((r) => (r.cpuUs / (r.elapsedMs * 1000)) * 100), '%');
    const note = `client thread ${cpuPct.median.toFixed(0)} % CPU, simulator ${figure(simCpu[client], '%').median.toFixed(0)} %`;
    rows.push({ suite: 'ingest', name: `${LABEL[client]}: msgs/s`, figure: rate[client], note: client === 'ccxt' ? `${note}; 1 socket per symbol` : note });
  }
  for (const client of CLIENTS) {
    if (!rate[client]) continue;
    cost[client] = figure(results[client].map((r) => r.cpuUsPerMsg), 'µs/msg');
    rows.push({ suite: 'ingest', name: `${LABEL[client]}: CPU per msg`, figure: cost[client] });
  }
  const ours = rate.ours;
  if (ours) {
    for (const peer of ['raw', 'binance', 'ccxt'] as const) {
      if (!rate[peer]) continue;
      rows.push({ suite: 'ingest', name: `msgs/s ours ÷ ${peer}`, figure: ratio(ours, rate[peer]) });
    }
    for (const peer of ['raw', 'binance', 'ccxt'] as const) {
      if (!cost[peer]) continue;
      rows.push({ suite: 'ingest', name: `CPU/msg ours ÷ ${peer}`, figure: ratio(cost.ours!, cost[peer]), note: '< 1: ours is cheaper' });
    }
  }
  return rows;
}
