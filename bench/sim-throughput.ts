// Throughput of the Binance simulator: one trade stream at a high rate to one bare ws client.
// The simulator runs on the main thread and the client in a worker, so the figure is what the
// simulator sustains on one core (its event-loop utilisation is printed next to it).
//   node bench/sim-throughput.ts [--rate 200000] [--seconds 5] [--combined]
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { startBinanceSim } from '../src/sim/binance/index.ts';

interface ClientReport {
  messages: number;
  bytes: number;
  gaps: number;
  elapsedMs: number;
}

if (isMainThread) await main();
else client(workerData as { url: string; seconds: number });

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '200000' },
      seconds: { type: 'string', default: '5' },
      combined: { type: 'boolean', default: false },
    },
  });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const sim = await startBinanceSim({ rate: 0, rates: { trade: rate } });
  const url = values.combined ? `${sim.url}/stream?streams=btcusdt@trade` : `${sim.url}/ws/btcusdt@trade`;
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const worker = new Worker(new URL(import.meta.url), { workerData: { url, seconds } });
  const report = await new Promise<ClientReport>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const elu = performance.eventLoopUtilization(elu0);
  const cpu = process.cpuUsage(cpu0);
  const stats = sim.stats();
  await sim.close();
  await worker.terminate();
  const perSec = Math.round((report.messages / report.elapsedMs) * 1000);
  console.log(
    JSON.stringify({
      targetRate: rate,
      framing: values.combined ? 'combined' : 'raw',
      receivedPerSec: perSec,
      mbPerSec: +((report.bytes / report.elapsedMs) * 1000 / 1024 / 1024).toFixed(1),
      gaps: report.gaps,
      simSent: stats.dataSent,
      simSkippedSlowReader: stats.connections[0]?.skipped ?? 0,
      simEventLoopUtilisation: +elu.utilization.toFixed(2),
      processCpuPct: Math.round(((cpu.user + cpu.system) / 1000 / (report.elapsedMs + 1)) * 100),
    }),
  );
}

function client({ url, seconds }: { url: string; seconds: number }): void {
  const ws = new WebSocket(url);
  let messages = 0;
  let bytes = 0;
  let first: Buffer | undefined;
  let last: Buffer | undefined;
  let started = 0;
  ws.on('message', (data: Buffer) => {
    if (started === 0) started = performance.now();
    messages++;
    bytes += data.length;
    first ??= data;
    last = data;
  });
  ws.on('open', () => {
    setTimeout(() => {
      const elapsedMs = performance.now() - started;
      ws.terminate();
      // Trade ids are continuous: any difference between the id span and the count is a gap.
      const gaps = first && last ? tradeId(last) - tradeId(first) + 1 - messages : 0;
      parentPort!.postMessage({ messages, bytes, gaps, elapsedMs } satisfies ClientReport);
    }, seconds * 1000);
  });
}

function tradeId(frame: Buffer): number {
  const msg = JSON.parse(frame.toString()) as { t?: number; data?: { t: number } };
  return msg.t ?? msg.data?.t ?? 0;
}
