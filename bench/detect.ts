// Leak-detection sensitivity: one long run with many workers side by side (per-worker
// attribution makes that possible), each retaining heap at a known rate, some at zero. The
// samples are then replayed through a fresh detector cut at 2, 5 and 10 minutes, so one run
// answers "what is the smallest leak found in every trial at each run length, and how many
// healthy workers were flagged".
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { loadScenarios } from '../src/scenario/load.ts';
import { runSoak } from '../src/supervisor/run.ts';
import { LeakDetector } from '../src/verdict/leak.ts';
import { readNdjson, writeScenario } from '../test/helpers/run.ts';
import type { Sample } from '../src/bus/types.ts';
import { figure, type Row } from './lib/stats.ts';
import type { SuiteContext } from './lib/suite.ts';

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

export async function detectSuite(ctx: SuiteContext): Promise<Row[]> {
  const opts: DetectOptions = ctx.quick ? { ...REALISTIC, trials: 1, healthy: 2, cutoffsMin: [2] } : REALISTIC;
  ctx.log(`  ${opts.kind} probes: ${opts.ratesMbPerMin.length * opts.trials} leaking + ${opts.healthy} healthy, one ${Math.max(...opts.cutoffsMin)} min run`);
  return detectRows(await detectionSensitivity(opts), opts);
}

if (import.meta.main) {
  const opts = process.argv.includes('--control') ? { ...REALISTIC, kind: 'idle', probeOptions: {}, scenario: {} } : REALISTIC;
  const rows = await detectionSensitivity(opts);
  console.table(rows.map((r) => ({ minutes: r.minutes, smallest: r.smallestDetectedMbPerMin, falsePositives: `${r.falsePositives}/${r.healthyTrials}`, ...r.detectedByRate })));
}
