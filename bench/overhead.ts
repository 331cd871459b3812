// Overhead of the supervisor: its main thread's CPU and the process RSS with 1, 2 and 8 idle probes
// sampled every second (real WorkerHost + Sampler, in a fresh process each), the cost of one sample per worker
// (sampling-overhead.ts), and the Binance client's throughput bare in a plain worker vs as the
// `binance` probe under WorkerHost with the sampler on.
import { Bus } from '../src/bus/bus.ts';
import { Sampler } from '../src/sampling/sampler.ts';
import { samplingOverhead } from './sampling-overhead.ts';
import { idleSupervisor } from './lib/idle-supervisor.ts';
import { runIngestWorker, type IngestResult } from './lib/ingest-client.ts';
import { CounterWatch, startProbe, waitRunning } from './lib/probe.ts';
import { startSimProcess, type SimProcess } from './lib/sim-process.ts';
import { figure, ratio, sleep, type Row } from './lib/stats.ts';
import type { SuiteContext } from './lib/suite.ts';
import { DEFAULT_RATE_PER_STREAM, SYMBOLS } from './ingest.ts';

/** The binance probe under WorkerHost + Sampler (1 s), as in a soak; rate from its reported counter. */
export async function probeThroughput(sim: SimProcess, warmupMs: number, windowMs: number, gcFloorIntervalMs = 2000, gcFloorBudget?: number | null): Promise<IngestResult> {
  const bus = new Bus();
  const host = startProbe({
    kind: 'binance',
    bus,
    options: { symbols: SYMBOLS, streams: ['trade'] },
    endpoints: { ws: sim.urls[0]!, rest: sim.urls[1]! },
    gcFloorIntervalMs,
    gcFloorBudget,
  });
  const sampler = new Sampler([host], bus, 1000, 1000);
  const watch = new CounterWatch(host, 'messages');
  try {
    await waitRunning([host]);
    sampler.start();
    const deadline = performance.now() + 15_000;
    while (!(host.counters.messages! > 0)) {
      if (performance.now() > deadline) throw new Error('binance probe: no message within 15 s');
      await sleep(20);
    }
    await sleep(warmupMs);
    const cpu0 = await host.worker!.cpuUsage();
    const t0 = performance.now();
    await sleep(windowMs + 1100); // one report interval more, so the window ends on a report
    const cpu1 = await host.worker!.cpuUsage();
    const t1 = performance.now();
    const msgsPerSec = watch.rate(t0, t1);
    const cpuUs = cpu1.user - cpu0.user + (cpu1.system - cpu0.system);
    const messages = (msgsPerSec * (t1 - t0)) / 1000;
    return { client: 'ours', messages, elapsedMs: t1 - t0, cpuUs, msgsPerSec, cpuUsPerMsg: cpuUs / messages };
  } finally {
    watch.stop();
    await sampler.stop();
    await host.stop('bench', 5000);
  }
}

export async function overheadSuite(ctx: SuiteContext): Promise<Row[]> {
  const rows: Row[] = [];
  const windows = ctx.quick ? 1 : 3;
  const windowMs = ctx.quick ? 3000 : 8000;
  for (const n of [1, 2, 8]) {
    const r = await idleSupervisor(n, windows, windowMs);
    ctx.log(`  ${n} idle probes: main thread ${r.cpuPct.map((v) => v.toFixed(2)).join(', ')} %CPU, RSS ${r.rssMb.map((v) => v.toFixed(0)).join(', ')} MB`);
    rows.push({ suite: 'overhead', name: `supervisor main-thread CPU, ${n} idle probe${n > 1 ? 's' : ''}`, figure: figure(r.cpuPct, '% of a core'), note: `1 s sampling, ${windowMs / 1000} s windows` });
    rows.push({ suite: 'overhead', name: `process RSS, ${n} idle probe${n > 1 ? 's' : ''}`, figure: figure(r.rssMb, 'MB'), note: 'own process: WorkerHost + Sampler + workers' });
  }

  const sampling = await samplingOverhead([1, 2, 8], ctx.quick ? 50 : 200, ctx.quick ? 1 : 3);
  for (const s of sampling) {
    rows.push({ suite: 'overhead', name: `one sample, per worker (${s.workers} worker${s.workers > 1 ? 's' : ''})`, figure: figure(s.runs, 'µs'), note: 'main-thread CPU per Sampler.tick ÷ workers' });
  }

  const ratePerStream = ctx.shared.ratePerStream ?? DEFAULT_RATE_PER_STREAM;
  const reps = ctx.quick ? 1 : 5;
  const warmupMs = ctx.quick ? 1000 : 2000;
  const measureMs = ctx.quick ? 2000 : 5000;
  const bare: IngestResult[] = [];
  const probe: IngestResult[] = [];
  const sim = await startSimProcess({ exchange: 'binance', rate: ratePerStream });
  try {
    for (let rep = 0; rep < reps; rep++) {
      const runBare = async () => {
        bare.push(await runIngestWorker({ client: 'ours', wsUrl: sim.urls[0]!, httpUrl: sim.urls[1]!, symbols: SYMBOLS, warmupMs, windowMs: measureMs }));
      };
      const runProbe = async () => {
        probe.push(await probeThroughput(sim, warmupMs, measureMs));
      };
      // Alternate which goes first.
      if (rep % 2 === 0) {
        await runBare();
        await runProbe();
      } else {
        await runProbe();
        await runBare();
      }
      ctx.log(`  rep ${rep + 1}/${reps}: bare ${Math.round(bare.at(-1)!.msgsPerSec)} msgs/s, probe ${Math.round(probe.at(-1)!.msgsPerSec)} msgs/s`);
    }
  } finally {
    await sim.stop();
  }
  const bareRate = figure(bare.map((r) => r.msgsPerSec), 'msgs/s');
  const probeRate = figure(probe.map((r) => r.msgsPerSec), 'msgs/s');
  const bareCost = figure(bare.map((r) => r.cpuUsPerMsg), 'µs/msg');
  const probeCost = figure(probe.map((r) => r.cpuUsPerMsg), 'µs/msg');
  const offered = `offered ${ratePerStream * SYMBOLS.length}/s`;
  rows.push({ suite: 'overhead', name: 'binance client bare (plain worker): msgs/s', figure: bareRate, note: offered });
  rows.push({ suite: 'overhead', name: 'binance client as probe, sampled 1 s: msgs/s', figure: probeRate, note: 'WorkerHost + Sampler, GC floor every 2 s' });
  rows.push({ suite: 'overhead', name: 'msgs/s probe ÷ bare', figure: ratio(probeRate, bareRate) });
  rows.push({ suite: 'overhead', name: 'binance client bare: CPU per msg', figure: bareCost });
  rows.push({ suite: 'overhead', name: 'binance client as probe: CPU per msg', figure: probeCost });
  rows.push({ suite: 'overhead', name: 'CPU/msg probe ÷ bare', figure: ratio(probeCost, bareCost), note: '> 1: what the probe adapter costs' });
  return rows;
}
