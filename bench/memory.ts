// Memory: the steady post-GC heap of a probe worker once warm — the `binance` probe at 100 and
// 10,000 msg/s (3 trade streams) and the `bitunix` probe at its default tick — measured as the
// runtime measures it in a soak: a forced full GC in the worker (workers/lib/runtime.ts exposes
// `gc` through a fresh vm context) every second, the heap right after it reported as the floor.
import { Bus } from '../src/bus/bus.ts';
import type { Sample } from '../src/bus/types.ts';
import { Sampler } from '../src/sampling/sampler.ts';
import { startProbe, waitRunning } from './lib/probe.ts';
import { startSimProcess, type SimArgs } from './lib/sim-process.ts';
import { figure, sleep, type Row } from './lib/stats.ts';
import type { SuiteContext } from './lib/suite.ts';
import { SYMBOLS } from './ingest.ts';

const MB = 1024 * 1024;

interface Case {
  name: string;
  kind: 'binance' | 'bitunix';
  sim: SimArgs;
  options: Record<string, unknown>;
}

async function floorOf(c: Case, warmupMs: number, measureMs: number): Promise<{ floorsMb: number[]; msgRate: number }> {
  const sim = await startSimProcess(c.sim);
  const endpoints: Record<string, string> =
    c.kind === 'binance' ? { ws: sim.urls[0]!, rest: sim.urls[1]! } : { rest: sim.urls[0]!, wsPublic: sim.urls[1]!, wsPrivate: sim.urls[2]! };
  const bus = new Bus();
  const host = startProbe({ kind: c.kind, bus, options: c.options, endpoints, gcFloorIntervalMs: 1000 });
  const sampler = new Sampler([host], bus, 1000, 1000);
  const samples: Sample[] = [];
  bus.on('sample', (s) => {
    if (s.probe === host.name) samples.push(s);
  });
  try {
    await waitRunning([host]);
    sampler.start();
    await sleep(warmupMs);
    const from = Date.now();
    await sleep(measureMs);
    const mine = samples.filter((s) => s.t >= from);
    const floorsMb = mine.filter((s) => s.heapFloor !== null && s.heapFloorMajor).map((s) => s.heapFloor! / MB);
    const first = mine[0];
    const last = mine.at(-1);
    const msgs = (s: Sample | undefined) => s?.counters.messages ?? 0;
    const msgRate = first && last && last.t > first.t ? ((msgs(last) - msgs(first)) / (last.t - first.t)) * 1000 : NaN;
    if (host.status === 'crashed') throw new Error(`${c.name}: probe crashed: ${host.error?.message}`);
    return { floorsMb, msgRate };
  } finally {
    await sampler.stop();
    await host.stop('bench', 5000);
    await sim.stop();
  }
}

export async function memorySuite(ctx: SuiteContext): Promise<Row[]> {
  const warmupMs = ctx.quick ? 4000 : 10_000;
  const measureMs = ctx.quick ? 4000 : 12_000;
  const binance = (total: number): Case => ({
    name: `binance probe heap floor @ ${total.toLocaleString('en-US')} msg/s`,
    kind: 'binance',
    sim: { exchange: 'binance', rate: total / SYMBOLS.length },
    options: { symbols: SYMBOLS, streams: ['trade'] },
  });
  const cases: Case[] = [
    binance(100),
    binance(10_000),
    { name: 'bitunix probe heap floor, default tick (5 s)', kind: 'bitunix', sim: { exchange: 'bitunix' }, options: {} },
  ];
  const rows: Row[] = [];
  for (const c of cases) {
    const r = await floorOf(c, warmupMs, measureMs);
    ctx.log(`  ${c.name}: floors ${r.floorsMb.map((v) => v.toFixed(2)).join(' ')} MB${c.kind === 'binance' ? `, ${Math.round(r.msgRate)} msg/s` : ''}`);
    const note = c.kind === 'binance' ? `measured ${Math.round(r.msgRate)} msg/s; forced GC every 1 s` : 'forced GC every 1 s';
    rows.push({ suite: 'memory', name: c.name, figure: figure(r.floorsMb, 'MB'), note: `${note}; after ${warmupMs / 1000} s warm-up` });
  }
  return rows;
}
