// Leak-detection sensitivity: one long run with many workers side by side (per-worker
// attribution makes that possible), each retaining heap at a known rate, some at zero. The
// samples are then replayed through a fresh detector cut at 2, 5 and 10 minutes, so one run
// answers "what is the smallest leak found in every trial at each run length, and how many
// healthy workers were flagged".
import path from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { loadScenarios } from '../src/scenario/load.ts';
import { runSoak } from '../src/supervisor/run.ts';
import { LeakDetector } from '../src/verdict/leak.ts';
import { readNdjson, writeScenario } from '../test/helpers/run.ts';
import type { Sample } from '../src/bus/types.ts';
import type { Verdict } from '../src/bus/verdict.ts';
import { figure, table, type Row } from './lib/stats.ts';
import type { SuiteContext } from './lib/suite.ts';
import { footprint } from './lib/footprint.ts';
import { registerClientLeaks } from './fixtures/client-leaks.ts';

const MB = 1024 * 1024;

export interface DetectOptions {
  kind: string;
  /** MB per minute; each rate gets `trials` workers. */
  ratesMbPerMin: number[];
  trials: number;
  healthy: number;
  cutoffsMin: number[];
  probeOptions?: Record<string, unknown>;
  /** Extra top-level scenario keys, e.g. `simulators: { binance: { rate: 10 } }`. */
  scenario?: Record<string, unknown>;
}

export interface DetectRow {
  minutes: number;
  smallestDetectedMbPerMin: number | null;
  detectedByRate: Record<string, string>;
  falsePositives: number;
  healthyTrials: number;
}

export async function detectionSensitivity(opts: DetectOptions): Promise<DetectRow[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'exsoak-detect-'));
  const probes: Record<string, unknown> = {};
  const rateOf = new Map<string, number>();
  for (const rate of opts.ratesMbPerMin) {
    for (let t = 0; t < opts.trials; t++) {
      const name = `r${String(rate).replace('.', '_')}_${t}`;
      probes[name] = { kind: opts.kind, options: opts.probeOptions ?? {}, injectLeak: `${rate * 1024}KB/min` };
      rateOf.set(name, rate);
    }
  }
  for (let t = 0; t < opts.healthy; t++) {
    probes[`healthy_${t}`] = { kind: opts.kind, options: opts.probeOptions ?? {} };
    rateOf.set(`healthy_${t}`, 0);
  }
  const longest = Math.max(...opts.cutoffsMin);
  const scenarioSettings = { warmup: 30_000, budget: 50 * MB, nominal: 24 * 3_600_000, alpha: 0.01, confirmations: 3 };
  const file = writeScenario(dir, {
    name: 'detect',
    duration: `${longest}m`,
    nominalDuration: '24h',
    sampleInterval: '1s',
    gcFloorInterval: '5s',
    probes,
    leak: { warmup: '30s' },
    snapshots: { max: 0 },
    metrics: { port: 0 },
    ...opts.scenario,
  });
  const outcome = await runSoak({ loaded: loadScenarios([file]), out: path.join(dir, 'run'), progress: false, stderrLevel: 'warn' });
  const samples = readNdjson<Sample>(path.join(outcome.dir, 'samples.ndjson'));
  const start = Math.min(...samples.map((s) => s.t));
  const rows: DetectRow[] = [];
  for (const minutes of opts.cutoffsMin) {
    const cutoff = start + minutes * 60_000;
    const status = new Map<string, string>();
    for (const name of rateOf.keys()) {
      const detector = new LeakDetector({
        warmupMs: scenarioSettings.warmup,
        budgetBytes: scenarioSettings.budget,
        nominalMs: scenarioSettings.nominal,
        alpha: scenarioSettings.alpha,
        confirmations: scenarioSettings.confirmations,
        maxPoints: 240,
        minGrowthBytes: MB,
      });
      for (const s of samples) {
        if (s.probe === name && s.t <= cutoff && s.heapFloor !== null && s.heapFloorMajor) detector.add(s.t, s.heapFloor);
      }
      status.set(name, detector.current);
    }
    const detectedByRate: Record<string, string> = {};
    let smallest: number | null = null;
    for (const rate of [...opts.ratesMbPerMin].sort((a, b) => b - a)) {
      const names = [...rateOf].filter(([, r]) => r === rate).map(([n]) => n);
      const hits = names.filter((n) => status.get(n) === 'confirmed').length;
      detectedByRate[`${rate} MB/min`] = `${hits}/${names.length}`;
      if (hits === names.length && (smallest === null || rate < smallest)) smallest = rate;
    }
    const healthy = [...rateOf].filter(([, r]) => r === 0).map(([n]) => n);
    rows.push({
      minutes,
      smallestDetectedMbPerMin: smallest,
      detectedByRate,
      falsePositives: healthy.filter((n) => status.get(n) === 'confirmed' || status.get(n) === 'suspected').length,
      healthyTrials: healthy.length,
    });
  }
  return rows;
}

/**
 * The default is the real `binance` probe (3 symbols × trade + bookTicker at the simulator's
 * 10 msg/s per stream, like scenarios/quick.yaml): its heap moves with parsing, sockets and the
 * runtime's own reports, which is the noise the detector has to see through in a real soak; the
 * control probes (`idle`, `--control`) have a flat heap that flatters the detector. It is
 * affordable: its 14 workers took ~15 % of one core (92 s of CPU over the 10-minute run) and
 * ~600 MB peak RSS on the 2-core dev box.
 */
export const REALISTIC: DetectOptions = {
  kind: 'binance',
  probeOptions: { symbols: ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'], streams: ['trade', 'bookTicker'] },
  scenario: { simulators: { binance: { rate: 10 } } },
  ratesMbPerMin: [0.125, 0.25, 0.5, 1, 2],
  trials: 2,
  healthy: 4,
  cutoffsMin: [2, 5, 10],
};

export function detectRows(rows: DetectRow[], opts: DetectOptions): Row[] {
  return rows.flatMap((r) => [
    {
      suite: 'detect',
      name: `${r.minutes} min: smallest rate detected in every trial`,
      figure: figure(r.smallestDetectedMbPerMin === null ? [] : [r.smallestDetectedMbPerMin], 'MB/min'),
      note: Object.entries(r.detectedByRate).map(([rate, hits]) => `${rate} ${hits}`).join(', '),
    },
    {
      suite: 'detect',
      name: `${r.minutes} min: false positives (healthy trials)`,
      figure: figure([r.falsePositives], `of ${r.healthyTrials}`),
      note: `${opts.kind} probes, ${opts.trials} trials per rate`,
    },
  ]);
}

/** Settings of the real-probe detection run: a day's budget, densely sampled (what a compressed seed run uses). */
export const REAL_SETTINGS = { sampleInterval: '2s', gcFloorInterval: '5s', warmup: '60s', nominalDuration: '24h', budget: '50MB' };

export interface RealLeakOptions {
  minutes: number;
  /** Leak rates (MB/h) and leaking workers per rate, per real probe kind. */
  ratesMbPerH: number[];
  trials: number;
  /** Healthy workers per real probe kind. */
  healthy: number;
  /** Cut-offs (minutes) at which the healthy workers are judged (each worker's first N minutes). */
  healthyCutoffMin: number;
}

export interface RealLeakRow {
  kind: string;
  rateMbPerH: number;
  measuredMbPerH: number[];
  confirmedAfterMin: (number | null)[];
}

/**
 * One supervisor, the real Binance and Bitunix probes side by side: for each, leaking workers
 * with a bug in the client's code path (bench/fixtures/client-leaks.ts) at each rate, and
 * healthy workers. Time to confirmation comes from each worker's own verdict (real time, real
 * probes); false positives replay each healthy worker's samples through the same detector cut
 * at `healthyCutoffMin` (its first N minutes: an N-minute run of it).
 */
export async function realLeakDetection(opts: RealLeakOptions, log: (line: string) => void = () => {}): Promise<{ rows: RealLeakRow[]; falsePositives: Record<string, { flagged: string[]; trials: number; statuses: Record<string, number> }>; peakRssMb: number }> {
  registerClientLeaks();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'exsoak-detect-real-'));
  const probes: Record<string, unknown> = {};
  const meta = new Map<string, { kind: string; rate: number }>();
  const real = {
    binance: { kind: 'binance+seenIds', options: { symbols: ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'], streams: ['trade'] } },
    bitunix: { kind: 'bitunix+listeners', options: { symbol: 'BTCUSDT', tick: '2s', offset: 0.0005 } },
  } as const;
  for (const [name, r] of Object.entries(real)) {
    for (const rate of opts.ratesMbPerH) {
      for (let t = 0; t < opts.trials; t++) {
        const probe = `${name}_${String(rate).replace('.', '_')}_${t}`;
        probes[probe] = { kind: r.kind, options: { ...structuredClone(r.options), leak: { mbPerH: rate } } };
        meta.set(probe, { kind: name, rate });
      }
    }
    for (let t = 0; t < opts.healthy; t++) {
      const probe = `${name}_healthy_${t}`;
      probes[probe] = { kind: name, options: structuredClone(r.options) };
      meta.set(probe, { kind: name, rate: 0 });
    }
  }
  const file = writeScenario(dir, {
    name: 'detect-real',
    duration: `${opts.minutes}m`,
    nominalDuration: REAL_SETTINGS.nominalDuration,
    sampleInterval: REAL_SETTINGS.sampleInterval,
    // The run is 24 h compressed into minutes, so its floors come every interval whatever they
    // cost (workers/lib/floor-gc.ts); EXSOAK_DETECT_FLOOR_INTERVAL=10s stands in for the ~6–14 s
    // the floor budget gives these clients in an uncompressed run.
    gcFloorInterval: process.env.EXSOAK_DETECT_FLOOR_INTERVAL ?? REAL_SETTINGS.gcFloorInterval,
    probes,
    leak: { warmup: REAL_SETTINGS.warmup, budget: REAL_SETTINGS.budget },
    snapshots: { max: 0 },
    metrics: { port: 0 },
    simulators: { binance: { rate: 10 } },
  });
  const loaded = loadScenarios([file]);
  log(`  ${meta.size} workers (${[...meta.values()].filter((m) => m.rate > 0).length} leaking), ${opts.minutes} min`);
  let peakRss = 0;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 5000);
  const outcome = await runSoak({ loaded, out: path.join(dir, 'run'), progress: false, stderrLevel: 'warn' });
  clearInterval(rssTimer);
  return { ...analyseRealRun(dir, opts), peakRssMb: Math.round(peakRss / MB) };
}

/** What a real-probe detection run found, from its folder alone (also: `node bench/detect.ts --analyse DIR`). */
export function analyseRealRun(dir: string, opts: RealLeakOptions): { rows: RealLeakRow[]; falsePositives: Record<string, { flagged: string[]; trials: number; statuses: Record<string, number> }> } {
  registerClientLeaks();
  const scenario = loadScenarios([path.join(dir, 'scenario.yaml')]).scenario;
  const verdict = JSON.parse(readFileSync(path.join(dir, 'run', 'verdict.json'), 'utf8')) as Verdict;
  const meta = new Map<string, { kind: string; rate: number }>();
  for (const name of Object.keys(verdict.probes)) {
    const m = /^([a-z]+)_(healthy|[\d_]+)_\d+$/.exec(name);
    if (m) meta.set(name, { kind: m[1]!, rate: m[2] === 'healthy' ? 0 : Number(m[2]!.replace('_', '.')) });
  }
  const kinds = [...new Set([...meta.values()].map((m) => m.kind))];
  const rates = [...new Set([...meta.values()].map((m) => m.rate).filter((r) => r > 0))].sort((a, b) => a - b);
  const samples = readNdjson<Sample>(path.join(dir, 'run', 'samples.ndjson'));
  const start = Math.min(...samples.map((s) => s.t));
  const rows: RealLeakRow[] = [];
  for (const name of kinds) {
    for (const rate of rates) {
      const workers = [...meta].filter(([, m]) => m.kind === name && m.rate === rate).map(([p]) => p);
      rows.push({
        kind: name,
        rateMbPerH: rate,
        measuredMbPerH: workers.map((w) => verdict.probes[w]?.leak?.slopeMbPerH ?? NaN),
        confirmedAfterMin: workers.map((w) => {
          const at = verdict.probes[w]?.leak?.confirmedAt;
          return at === undefined ? null : Math.round(((at - start) / 60_000) * 10) / 10;
        }),
      });
    }
  }
  const falsePositives: Record<string, { flagged: string[]; trials: number; statuses: Record<string, number> }> = {};
  for (const name of kinds) {
    const healthy = [...meta].filter(([, m]) => m.kind === name && m.rate === 0).map(([p]) => p);
    if (healthy.length === 0) continue;
    const flagged: string[] = [];
    const statuses: Record<string, number> = {};
    for (const w of healthy) {
      const detector = new LeakDetector({
        warmupMs: scenario.leak.warmup,
        budgetBytes: scenario.leak.budget,
        nominalMs: scenario.nominalDuration ?? scenario.duration,
        alpha: scenario.leak.alpha,
        confirmations: scenario.leak.confirmations,
        maxPoints: scenario.leak.maxPoints,
        minGrowthBytes: scenario.leak.minGrowth,
      });
      for (const s of samples) {
        if (s.probe === w && s.t - start <= opts.healthyCutoffMin * 60_000 && s.heapFloor !== null && s.heapFloorMajor) detector.add(s.t, s.heapFloor);
      }
      statuses[detector.current] = (statuses[detector.current] ?? 0) + 1;
      if (detector.current === 'confirmed') flagged.push(w);
    }
    falsePositives[name] = { flagged, trials: healthy.length, statuses };
  }
  return { rows, falsePositives };
}

export function realLeakRows(result: ReturnType<typeof analyseRealRun>, opts: Pick<RealLeakOptions, 'minutes' | 'healthyCutoffMin'>): Row[] {
  const out: Row[] = [];
  for (const r of result.rows) {
    const confirmed = r.confirmedAfterMin.filter((m): m is number => m !== null);
    out.push({
      suite: 'detect',
      name: `${r.kind} + client leak ${r.rateMbPerH} MB/h: confirmed after`,
      figure: figure(confirmed, 'min'),
      note: `${confirmed.length}/${r.confirmedAfterMin.length} confirmed in ${opts.minutes} min; measured ${r.measuredMbPerH.map((v) => v.toFixed(2)).join(', ')} MB/h`,
    });
  }
  for (const [kind, fp] of Object.entries(result.falsePositives)) {
    out.push({
      suite: 'detect',
      name: `${kind} healthy, ${opts.healthyCutoffMin}-min runs: false positives`,
      figure: figure([fp.flagged.length], `of ${fp.trials}`),
      note: Object.entries(fp.statuses).map(([s, n]) => `${s} ${n}`).join(', '),
    });
  }
  return out;
}

/** Supervisor RSS with 0, 1 and 8 idle probes against bare Node with as many bare workers. */
export async function footprintRows(seconds: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of [0, 1, 8]) {
    const ours = await footprint('exsoak', n, seconds);
    const bare = await footprint('bare', n, seconds);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const target = median(bare.rssMb) + 30 + 4 * n;
    rows.push({
      suite: 'footprint',
      name: `supervisor RSS, ${n} idle probe(s) vs bare Node + ${n} worker(s)`,
      figure: figure(ours.rssMb, 'MB'),
      note: `bare ${median(bare.rssMb).toFixed(1)} MB; ours − bare ${(median(ours.rssMb) - median(bare.rssMb)).toFixed(1)} MB (target ≤ ${(30 + 4 * n).toFixed(0)}: ${median(ours.rssMb) <= target ? 'met' : 'NOT met'})`,
    });
  }
  return rows;
}

export async function footprintSuite(ctx: SuiteContext): Promise<Row[]> {
  return footprintRows(ctx.quick ? 2 : 5);
}

export const REAL: RealLeakOptions = { minutes: 30, ratesMbPerH: [2.1, 2.2, 7], trials: 2, healthy: 20, healthyCutoffMin: 15 };

export async function detectSuite(ctx: SuiteContext): Promise<Row[]> {
  const minutes = Number(process.env.EXSOAK_DETECT_MINUTES ?? (ctx.quick ? 3 : REAL.minutes));
  const opts: RealLeakOptions = ctx.quick ? { ...REAL, minutes, trials: 1, healthy: 2, healthyCutoffMin: Math.min(minutes, REAL.healthyCutoffMin) } : { ...REAL, minutes, healthyCutoffMin: Math.min(minutes, REAL.healthyCutoffMin) };
  const result = await realLeakDetection(opts, ctx.log);
  ctx.log(`  peak supervisor RSS ${result.peakRssMb} MB`);
  return [...realLeakRows(result, opts), ...(await footprintRows(ctx.quick ? 2 : 5))];
}

if (import.meta.main && process.argv.includes('--analyse')) {
  const dir = process.argv[process.argv.indexOf('--analyse') + 1]!;
  const minutes = Number(process.env.EXSOAK_DETECT_MINUTES ?? REAL.minutes);
  const opts = { minutes, healthyCutoffMin: Math.min(minutes, REAL.healthyCutoffMin) };
  const result = analyseRealRun(dir, { ...REAL, ...opts });
  console.log(table(realLeakRows(result, opts)));
  console.log(JSON.stringify(result));
} else if (import.meta.main) {
  const opts = process.argv.includes('--control') ? { ...REALISTIC, kind: 'idle', probeOptions: {}, scenario: {} } : REALISTIC;
  const rows = await detectionSensitivity(opts);
  console.table(rows.map((r) => ({ minutes: r.minutes, smallest: r.smallestDetectedMbPerMin, falsePositives: `${r.falsePositives}/${r.healthyTrials}`, ...r.detectedByRate })));
}
