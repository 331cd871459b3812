// What the heap-floor collections cost a busy probe (#23 item 5): the Binance client at a
// modest rate (10k msg/s by default: a fixed cost per interval weighs most at low rates) bare
// in a worker, and as a sampled probe with floors every 2 s taken three ways — one plain full GC
// every interval (`gcFloorBudget: off`, the previous rule), paid from the default budget
// (workers/lib/floor-gc.ts), and none at all — interleaved, so the ratios share one run. The
// budget's floors come every ~6–14 s at this rate: a window holds several of them.
import { runIngestWorker, type IngestResult } from './lib/ingest-client.ts';
import { startSimProcess } from './lib/sim-process.ts';
import { figure, ratio, type Row } from './lib/stats.ts';
import type { SuiteContext } from './lib/suite.ts';
import { SYMBOLS } from './ingest.ts';
import { probeThroughput } from './overhead.ts';

const TOTAL_RATE = Number(process.env.EXSOAK_BENCH_FLOOR_RATE ?? 10_000);

export async function floorCostSuite(ctx: SuiteContext): Promise<Row[]> {
  const reps = ctx.quick ? 1 : 5;
  // Past the collector's start-up phase (START_MS in floor-gc.ts), where every collection returns memory.
  const warmupMs = ctx.quick ? 1000 : 12_000;
  const windowMs = ctx.quick ? 3000 : 30_000;
  const ratePerStream = Math.ceil(TOTAL_RATE / SYMBOLS.length);
  const runs: Record<'bare' | 'off' | 'budget' | 'none', IngestResult[]> = { bare: [], off: [], budget: [], none: [] };
  const sim = await startSimProcess({ exchange: 'binance', rate: ratePerStream });
  const variants: [keyof typeof runs, () => Promise<IngestResult>][] = [
    ['bare', () => runIngestWorker({ client: 'ours', wsUrl: sim.urls[0]!, httpUrl: sim.urls[1]!, symbols: SYMBOLS, warmupMs, windowMs })],
    ['off', () => probeThroughput(sim, warmupMs, windowMs, 2000, null)],
    ['budget', () => probeThroughput(sim, warmupMs, windowMs, 2000)],
    ['none', () => probeThroughput(sim, warmupMs, windowMs, 0)],
  ];
  try {
    for (let rep = 0; rep < reps; rep++) {
      // Rotate the order so no variant always runs first.
      for (let i = 0; i < variants.length; i++) {
        const [name, run] = variants[(i + rep) % variants.length]!;
        runs[name].push(await run());
      }
      ctx.log(`  rep ${rep + 1}/${reps}: µs/msg bare ${runs.bare.at(-1)!.cpuUsPerMsg.toFixed(2)}, every interval ${runs.off.at(-1)!.cpuUsPerMsg.toFixed(2)}, budget ${runs.budget.at(-1)!.cpuUsPerMsg.toFixed(2)}, none ${runs.none.at(-1)!.cpuUsPerMsg.toFixed(2)}`);
    }
  } finally {
    await sim.stop();
  }
  const cost = (name: keyof typeof runs) => figure(runs[name].map((r) => r.cpuUsPerMsg), 'µs/msg');
  const bare = cost('bare');
  const offered = `offered ${ratePerStream * SYMBOLS.length}/s`;
  const rows: Row[] = [{ suite: 'floor', name: 'binance client bare: CPU per msg', figure: bare, note: offered }];
  const label = { off: 'a plain full GC forced every 2 s (gcFloorBudget: off)', budget: 'floors paid from the default gcFloorBudget (3 %)', none: 'no forced floors' } as const;
  for (const name of ['off', 'budget', 'none'] as const) {
    rows.push({ suite: 'floor', name: `as sampled probe, ${label[name]}: CPU per msg`, figure: cost(name) });
    rows.push({ suite: 'floor', name: `CPU/msg ÷ bare, ${label[name]}`, figure: ratio(cost(name), bare), note: 'paired by repetition' });
  }
  rows.push({ suite: 'floor', name: `CPU/msg, the budget's floors ÷ no forced floors`, figure: ratio(cost('budget'), cost('none')), note: 'what the floors themselves cost' });
  return rows;
}
