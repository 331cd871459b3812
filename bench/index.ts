// `npm run bench`: runs the suites, prints one table and writes bench/results/latest.json (and a
// dated copy) with the host, the Node version and, per figure, the median of the repetitions with
// their min, max and every run. Ratios are computed inside one run.
//   npm run bench                      ingest, overhead, executor, memory (< 10 min on 2 cores)
//   npm run bench -- --suite detect    real probes with client leaks, 30 min (EXSOAK_DETECT_MINUTES), + footprint
//   npm run bench -- --suite trust     clients exsoak did not write (5 npm libraries, 3 Python programs), 20 min (EXSOAK_TRUST_MINUTES)
//   npm run bench -- --suite ingest    one suite (repeatable: --suite a --suite b)
//   npm run bench -- --suite python    python: true's cost to a Python client (CPU, RSS, GIL pauses)
//   npm run bench -- --quick           fewer repetitions, shorter windows: a smoke run
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { detectSuite, footprintSuite } from './detect.ts';
import { executorSuite } from './executor.ts';
import { floorCostSuite } from './floor-cost.ts';
import { ingestSuite } from './ingest.ts';
import { memorySuite } from './memory.ts';
import { overheadSuite } from './overhead.ts';
import { processSamplingSuite } from './process-sampling.ts';
import { pythonSuite } from './python.ts';
import { trustSuite } from './trust.ts';
import { table, type Row } from './lib/stats.ts';
import type { SuiteContext } from './lib/suite.ts';

const SUITES: Record<string, (ctx: SuiteContext) => Promise<Row[]>> = {
  ingest: ingestSuite,
  overhead: overheadSuite,
  executor: executorSuite,
  memory: memorySuite,
  detect: detectSuite,
  footprint: footprintSuite,
  process: processSamplingSuite,
  python: pythonSuite,
  trust: trustSuite,
  floor: floorCostSuite,
};
const DEFAULT = ['ingest', 'overhead', 'executor', 'memory', 'process', 'footprint'];

const { values } = parseArgs({
  options: {
    suite: { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`usage: node bench/index.ts [--suite ${Object.keys(SUITES).join('|')}]... [--quick]\n(default: ${DEFAULT.join(', ')}; detect and trust run only when asked)`);
  process.exit(0);
}
const names = values.suite?.length ? values.suite : DEFAULT;
for (const name of names) {
  if (!SUITES[name]) {
    console.error(`unknown suite "${name}" (one of: ${Object.keys(SUITES).join(', ')})`);
    process.exit(2);
  }
}

// Interrupted: exit through process.exit so the 'exit' hooks stop the simulators we spawned.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const started = Date.now();
const ctx: SuiteContext = { quick: values.quick, log: (line) => console.error(line), shared: {} };
const rows: Row[] = [];
const suites: Record<string, { durationS: number; error?: string }> = {};
for (const name of names) {
  const t0 = Date.now();
  console.error(`[bench] ${name}…`);
  try {
    rows.push(...(await SUITES[name]!(ctx)));
    suites[name] = { durationS: Math.round((Date.now() - t0) / 100) / 10 };
  } catch (err) {
    // One broken suite must not cost the others' figures.
    const message = (err as Error).stack ?? String(err);
    suites[name] = { durationS: Math.round((Date.now() - t0) / 100) / 10, error: message };
    console.error(`[bench] ${name} failed: ${message}`);
  }
  console.error(`[bench] ${name} done in ${suites[name]!.durationS} s`);
}

const cpus = os.cpus();
const result = {
  date: new Date(started).toISOString(),
  durationS: Math.round((Date.now() - started) / 1000),
  args: { suites: names, quick: values.quick },
  host: { node: process.version, v8: process.versions.v8, platform: process.platform, arch: process.arch, cpuModel: cpus[0]?.model ?? 'unknown', cpus: cpus.length, totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024) },
  suites,
  figures: rows,
};
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const json = JSON.stringify(result, null, 2) + '\n';
writeFileSync(new URL('latest.json', dir), json);
writeFileSync(new URL(`bench-${result.date.replace(/[-:]/g, '').replace(/\..*/, '')}.json`, dir), json);

console.log(`exsoak bench — ${result.date}, Node ${process.version}, ${result.host.cpuModel} × ${result.host.cpus}${values.quick ? ' (--quick)' : ''}`);
console.log(table(rows));
const failed = Object.entries(suites).filter(([, s]) => s.error);
for (const [name, s] of failed) console.log(`suite ${name} FAILED: ${s.error!.split('\n')[0]}`);
console.log(`total ${result.durationS} s; written bench/results/latest.json`);
process.exitCode = failed.length > 0 ? 1 : 0;
