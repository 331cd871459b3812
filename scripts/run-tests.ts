// The test suite in two groups (`npm test`, `npm run test:unit`). Most files spend their time
// waiting — on soaks of a few seconds, simulators, child processes — so they run side by side,
// each in its own process (node --test). The files in ALONE hold a measured time, CPU or memory
// figure to a bound, or load the machine themselves; they run afterwards in two lanes, one file
// at a time in each: one lane of files that watch a clock (light on CPU), one of files that hold
// a memory figure or drive a worker to its limits (about one core), so neither starves the other.
// Arguments: folders or files to run (default test/), and node --test flags (`--test-reporter=…`)
// passed on to every group. TEST_CONCURRENCY overrides the parallel width.
import { spawn } from 'node:child_process';
import { existsSync, globSync, statSync } from 'node:fs';
import os from 'node:os';

/** Not side by side with the rest: what each asserts is in its comment. A new file is parallel unless listed here. */
const ALONE = {
  clock: [
    'test/integration/binance-client.test.ts', // the silence watchdog fires within 300 ms × 1.25 + 500
    'test/integration/binance-client-sim.test.ts', // a stall is detected within 500 ms × 1.25 + 600
    'test/integration/hardening-sim-stats.test.ts', // a stuck simulator is given up within 3 s; RSS growth
    'test/integration/process-host.test.ts', // SIGTERM handled within 4 s; grace-period timing
    'test/unit/memory-profile-atomic.test.ts', // a reader's read count while a writer rewrites
    'test/unit/prom-scrape.test.ts', // a stalled scrape is abandoned within 2 s
    'test/e2e/cli-run.test.ts', // abortOnFail stops within one sample interval; a run within 30 s
  ],
  memory: [
    'test/integration/leak-detection.test.ts', // the measured slope of a set-rate leak within ±15 %
    'test/integration/snapshot-cost.test.ts', // RSS verdicts with and without snapshots within 10 MB
    // A worker driven out of memory: beside other files' load the test process itself was once
    // seen to die (SIGSEGV-like, no test failure reported); alone it has always passed.
    'test/integration/supervisor.test.ts',
  ],
};
const SERIAL = new Set([...ALONE.clock, ...ALONE.memory]);

/**
 * Parallel files that take longest, started first so the group is not left waiting on one of
 * them at its end (longest first, from a run of this script; the rest keep their path order).
 */
const LONG_FIRST = [
  'test/integration/leak-real-probes.test.ts',
  'test/e2e/process-probes.test.ts',
  'test/e2e/supervisor-memory.test.ts',
  'test/e2e/package.test.ts',
  'test/e2e/verdict-conclusive.test.ts',
  'test/e2e/hardening-process.test.ts',
  'test/integration/module-probe.test.ts',
  'test/e2e/security.test.ts',
  'test/e2e/compare.test.ts',
  'test/integration/faults-bitunix.test.ts',
  'test/integration/faults-binance.test.ts',
  'test/e2e/cli-bisect.test.ts',
];

for (const f of [...SERIAL, ...LONG_FIRST]) {
  if (!existsSync(f)) throw new Error(`run-tests: ${f} is listed in scripts/run-tests.ts but does not exist`);
}

const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = (roots.length ? roots : ['test'])
  .flatMap((root) => {
    if (!existsSync(root)) throw new Error(`run-tests: ${root}: no such file or folder`);
    return statSync(root).isDirectory() ? globSync(`${root.replace(/\/$/, '')}/**/*.test.ts`) : [root];
  })
  .sort();
const rank = (f: string) => (LONG_FIRST.includes(f) ? LONG_FIRST.indexOf(f) : LONG_FIRST.length);
const parallel = files.filter((f) => !SERIAL.has(f)).sort((a, b) => rank(a) - rank(b));
const lanes = [ALONE.clock, ALONE.memory].map((lane) => files.filter((f) => lane.includes(f)));
// One more than the cores: the files mostly wait, yet each starts its own Node processes and
// workers, and a probe starved of CPU for long enough is (rightly) reported unresponsive. On
// 2 cores, 4 side by side took 291 s where 3 took 340 s, but kept the CPU ~85 % busy, and a
// 1 s run's one late heap answer then failed it as unresponsive.
const width = Number(process.env.TEST_CONCURRENCY) || os.availableParallelism() + 1;

/** Runs one group; its output is passed through as it comes, and its totals read off its summary. */
async function group(list: string[], concurrency: number): Promise<{ code: number; ms: number; pass: number; fail: number; skipped: number }> {
  const totals = { pass: 0, fail: 0, skipped: 0 };
  if (list.length === 0) return { code: 0, ms: 0, ...totals };
  const started = Date.now();
  const child = spawn(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...flags, ...list], { stdio: ['inherit', 'pipe', 'inherit'] });
  let partial = '';
  // The summary's lines ("ℹ pass 12" from spec, "# pass 12" from tap), wherever they come: spec
  // prints them before its list of failing tests, which can be long.
  const count = (lines: string) => {
    for (const m of lines.matchAll(/^(?:ℹ|#) (pass|fail|skipped) (\d+)$/gm)) totals[m[1] as keyof typeof totals] = Number(m[2]);
  };
  child.stdout.on('data', (chunk: Buffer) => {
    // Whole lines only: two lanes write to one terminal at once.
    const text = partial + chunk.toString();
    const end = text.lastIndexOf('\n') + 1;
    partial = text.slice(end);
    if (end > 0) {
      process.stdout.write(text.slice(0, end));
      count(text.slice(0, end));
    }
  });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  if (partial) {
    process.stdout.write(partial + '\n');
    count(partial);
  }
  return { code, ms: Date.now() - started, ...totals };
}

const side = await group(parallel, width);
const [clock, memory] = await Promise.all(lanes.map((lane) => group(lane, 1)));
const alone = [clock!, memory!];
const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
const failedMark = (g: { code: number }) => (g.code ? ' FAILED' : '');
process.stderr.write(
  `run-tests: ${parallel.length} files side by side (${width} at a time) in ${s(side.ms)}${failedMark(side)}, ` +
    `${lanes.flat().length} alone in two lanes in ${s(Math.max(clock!.ms, memory!.ms))} (${lanes[0]!.length} watching a clock: ${s(clock!.ms)}${failedMark(clock!)}; ` +
    `${lanes[1]!.length} holding a memory figure: ${s(memory!.ms)}${failedMark(memory!)})\n`,
);
// One closing line for every group: each node --test summary above counts only its own group.
const groups = [side, ...alone];
const sum = (key: 'pass' | 'fail' | 'skipped') => groups.reduce((n, g) => n + g[key], 0);
const failed = sum('fail') + groups.filter((g) => g.code && !g.fail).length;
process.stdout.write(`tests: ${sum('pass')} passed, ${failed} failed, ${sum('skipped')} skipped\n`);
process.exit(groups.find((g) => g.code)?.code ?? 0);
