// The trust corpus (`npm run bench -- --suite trust`): clients exsoak did not write, soaked in
// real time against the Binance simulator, each healthy (bounded caches that fill over 1–10 min,
// then hold) and with true leaks (steady, and step-wise: flat between steps) at 3–30 MB/h. One
// run of EXSOAK_TRUST_MINUTES (default 20, ≥ 3 × the longest fill) with every client side by
// side; the verdict of each is read back from verdict.json. Targets (issue #23): 0 failing
// verdicts on healthy clients, every true leak fails its run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeScenario, readNdjson } from '../test/helpers/run.ts';
import { freePort } from '../test/helpers/free-port.ts';
import type { Verdict } from '../src/bus/verdict.ts';
import { figure, type Row } from './lib/stats.ts';
import type { SuiteContext } from './lib/suite.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'];
/** Trades per second per symbol from the simulator: 30 msg/s a client, as in the issue. */
const RATE = 10;
const PER_S = RATE * SYMBOLS.length;

type Leak = { leak: 'none' } | { leak: 'steady' | 'step'; mbPerH: number; stepEveryMin?: number };

interface Client {
  id: string;
  what: string;
  lang: 'js' | 'python';
  /** Module file (js) or script (python), under bench/trust/. */
  file: string;
  /** Minutes the healthy cache takes to fill at 30 msg/s. */
  fillMin: number;
  /** Cache entries for that fill time (per symbol where the structure is per symbol). */
  cap: number;
  /** Variants: healthy, and the leaks this client carries. */
  leaks: Leak[];
  env?: Record<string, string>;
}

const fill = (min: number, perSymbol = false) => Math.round((perSymbol ? RATE : PER_S) * 60 * min);

export const CORPUS: Client[] = [
  { id: 'ccxt', what: 'ccxt pro watchTrades (its own ArrayCache, tradesLimit)', lang: 'js', file: 'clients/ccxt-pro.ts', fillMin: 2, cap: fill(2, true),
    leaks: [{ leak: 'steady', mbPerH: 3 }, { leak: 'step', mbPerH: 10, stepEveryMin: 3 }] },
  { id: 'binancews', what: '`binance` WebsocketClient + app LRU Map', lang: 'js', file: 'clients/binance-ws.ts', fillMin: 5, cap: fill(5),
    leaks: [{ leak: 'steady', mbPerH: 6 }, { leak: 'step', mbPerH: 20, stepEveryMin: 4 }] },
  { id: 'apinode', what: 'binance-api-node ws.trades + app ring buffer', lang: 'js', file: 'clients/binance-api-node.ts', fillMin: 3, cap: fill(3),
    leaks: [{ leak: 'steady', mbPerH: 10 }, { leak: 'step', mbPerH: 5, stepEveryMin: 2 }] },
  { id: 'connector', what: '@binance/connector WebsocketStream + per-symbol arrays', lang: 'js', file: 'clients/binance-connector.ts', fillMin: 1, cap: fill(1, true),
    leaks: [{ leak: 'steady', mbPerH: 30 }, { leak: 'step', mbPerH: 8, stepEveryMin: 5 }] },
  { id: 'nba', what: 'node-binance-api websockets.trades + app id window', lang: 'js', file: 'clients/node-binance-api.ts', fillMin: 6, cap: fill(6),
    leaks: [{ leak: 'steady', mbPerH: 4 }, { leak: 'step', mbPerH: 15, stepEveryMin: 3 }] },
  { id: 'pydeque', what: 'Python stdlib socket client + deque(maxlen)', lang: 'python', file: 'python/stdlib_deque.py', fillMin: 4, cap: fill(4),
    leaks: [{ leak: 'steady', mbPerH: 12 }, { leak: 'step', mbPerH: 20, stepEveryMin: 4 }] },
  { id: 'pylru', what: 'Python websockets (asyncio) + OrderedDict LRU', lang: 'python', file: 'python/websockets_lru.py', fillMin: 6, cap: fill(6),
    leaks: [{ leak: 'steady', mbPerH: 8 }, { leak: 'step', mbPerH: 12, stepEveryMin: 3 }] },
  { id: 'pyttl', what: 'Python websockets in a thread + queue + TTL dict + prometheus_client', lang: 'python', file: 'python/websockets_threads.py', fillMin: 2, cap: 0,
    env: { TTL_S: '120' }, leaks: [{ leak: 'steady', mbPerH: 25 }, { leak: 'step', mbPerH: 6, stepEveryMin: 5 }] },
];

/** Debian's interpreter: python3-websockets and python3-prometheus-client live there, not in a pyenv. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function variantName(c: Client, l: Leak): string {
  return l.leak === 'none' ? `${c.id}_ok` : `${c.id}_${l.leak}${l.mbPerH}`;
}

export async function trustScenario(dir: string, minutes: number, python: boolean): Promise<{ file: string; expected: Map<string, { client: Client; leak: Leak }> }> {
  const probes: Record<string, unknown> = {};
  const expected = new Map<string, { client: Client; leak: Leak }>();
  for (const client of CORPUS) {
    for (const leak of [{ leak: 'none' } as Leak, ...client.leaks]) {
      const name = variantName(client, leak);
      expected.set(name, { client, leak });
      const leakOpts = leak.leak === 'none' ? {} : { leak: leak.leak, leakMbPerH: leak.mbPerH, stepEveryMs: (leak.stepEveryMin ?? 4) * 60_000 };
      if (client.lang === 'js') {
        probes[name] = {
          kind: 'module', module: path.join(here, 'trust', client.file), simulator: 'binance',
          options: { symbols: SYMBOLS, cap: client.cap, ...leakOpts },
          counters: ['messages', 'errors'], gauges: ['cache_size'],
          thresholds: ['msg_rate.avg > 5'],
        };
      } else {
        const env: Record<string, string> = {
          CAP: String(client.cap), SYMBOLS: SYMBOLS.join(','), METRICS_PORT: String(await freePort()), PYTHONUNBUFFERED: '1', ...client.env,
          ...(leak.leak === 'none' ? {} : { LEAK: leak.leak, LEAK_MB_PER_H: String(leak.mbPerH), STEP_EVERY_S: String((leak.stepEveryMin ?? 4) * 60) }),
        };
        probes[name] = {
          kind: 'process', command: [PYTHON, path.join(here, 'trust', client.file)], cwd: path.join(here, 'trust', 'python'), simulator: 'binance',
          env, events: 'stdout-ndjson',
          ...(python ? { python: true } : {}),
          thresholds: ['msg_rate.avg > 5'],
        };
      }
    }
  }
  const file = writeScenario(dir, {
    name: 'trust',
    duration: `${minutes}m`,
    nominalDuration: '24h',
    sampleInterval: '1s',
    gcFloorInterval: '5s',
    leak: { warmup: '30s', budget: '50MB' },
    snapshots: { max: 0 },
    metrics: { port: 0 },
    simulators: { binance: { rate: RATE } },
    probes,
  });
  return { file, expected };
}

function run(file: string, out: string, log: (l: string) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/exsoak.js'), 'run', file, '--out', out, '--no-progress', '--metrics-port', '0', '--report-every', '5m'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => log(d.toString().trimEnd()));
    child.stderr.on('data', (d: Buffer) => log(d.toString().trimEnd()));
    // exit 2 is a scenario error: its one line says which key, and nothing ran.
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 3));
  });
}

export interface TrustRow {
  probe: string;
  client: string;
  truth: string;
  pass: boolean;
  status: string;
  slope?: number;
  firstLeakMin?: number;
  reason: string;
  ok: boolean;
}

/** Reads a finished trust run: one row per probe, judged against what it really does. */
export function analyseTrust(runDir: string, expected: Map<string, { client: Client; leak: Leak }>): TrustRow[] {
  const verdict = JSON.parse(readFileSync(path.join(runDir, 'verdict.json'), 'utf8')) as Verdict;
  const events = readNdjson<{ t: number; probe?: string; kind: string }>(path.join(runDir, 'events.ndjson'));
  const run = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { startedAt?: string | number };
  const start = typeof run.startedAt === 'string' ? Date.parse(run.startedAt) : (run.startedAt ?? Math.min(...events.map((e) => e.t)));
  const rows: TrustRow[] = [];
  for (const [name, { client, leak }] of expected) {
    const p = verdict.probes[name];
    const leakReport = (p?.leak ?? {}) as { status?: string; slopeMbPerH?: number; reason?: string };
    const firstLeak = events.find((e) => e.probe === name && e.kind === 'leak');
    const healthy = leak.leak === 'none';
    const pass = p?.pass === true;
    rows.push({
      probe: name,
      client: client.what,
      truth: healthy ? `healthy (fills in ${client.fillMin} min)` : `${leak.leak} ${leak.mbPerH} MB/h${leak.leak === 'step' ? ` (a step every ${leak.stepEveryMin} min)` : ''}`,
      pass,
      status: leakReport.status ?? 'n/a',
      slope: leakReport.slopeMbPerH,
      firstLeakMin: firstLeak ? Math.round(((firstLeak.t - start) / 60_000) * 10) / 10 : undefined,
      reason: (leakReport.reason ?? '').slice(0, 160),
      ok: healthy ? pass : !pass,
    });
  }
  return rows;
}

export function trustMarkdown(rows: TrustRow[]): string {
  const lines = ['| probe | client | truth | verdict | leak status | slope MB/h | early `leak` event | right? |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const r of rows) {
    lines.push(`| ${r.probe} | ${r.client} | ${r.truth} | ${r.pass ? 'PASS' : 'FAIL'} | ${r.status} | ${r.slope ?? '–'} | ${r.firstLeakMin !== undefined ? `${r.firstLeakMin} min` : '–'} | ${r.ok ? 'yes' : '**no**'} |`);
  }
  return lines.join('\n');
}

export async function trustSuite(ctx: SuiteContext): Promise<Row[]> {
  const minutes = Number(process.env.EXSOAK_TRUST_MINUTES ?? (ctx.quick ? 3 : 20));
  const python = process.env.EXSOAK_TRUST_PYTHON !== '0';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'exsoak-trust-'));
  const { file, expected } = await trustScenario(dir, minutes, python);
  const out = path.join(dir, 'run');
  ctx.log(`[trust] ${expected.size} probes for ${minutes} min; results in ${out}`);
  const code = await run(file, out, (l) => { if (/FAIL|PASS|error|leak|exsoak:/i.test(l)) ctx.log(`[trust] ${l.split('\n')[0]}`); });
  if (!existsSync(path.join(out, 'verdict.json'))) throw new Error(`exsoak exited ${code} without a verdict (see the lines above)`);
  const rows = analyseTrust(out, expected);
  ctx.log(`[trust] exsoak exited ${code}\n${trustMarkdown(rows)}`);
  const healthy = rows.filter((r) => r.truth.startsWith('healthy'));
  const leaks = rows.filter((r) => !r.truth.startsWith('healthy'));
  return [
    { suite: 'trust', name: 'healthy clients failing', figure: figure([healthy.filter((r) => !r.pass).length], `of ${healthy.length}`), note: 'target 0' },
    { suite: 'trust', name: 'true leaks passing', figure: figure([leaks.filter((r) => r.pass).length], `of ${leaks.length}`), note: 'target 0' },
    ...rows.map((r) => ({ suite: 'trust', name: `${r.probe} ${r.pass ? 'PASS' : 'FAIL'} ${r.status}`, figure: figure([r.slope ?? NaN], 'MB/h'), note: r.ok ? r.truth : `WRONG: ${r.truth}` })),
  ];
}
