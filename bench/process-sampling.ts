// Cost of sampling a `kind: process` probe: supervisor main-thread CPU per sample of one process
// probe (the stdlib Python example against a Binance simulator child): /proc walk of its tree,
// pidusage, and a scrape + parse of its /metrics. The budget is < 1 ms per sample.
//   node bench/process-sampling.ts [--quick]     on its own; also `npm run bench -- --suite process`
import { fileURLToPath } from 'node:url';
import { Bus } from '../src/bus/bus.ts';
import { processProbeSchema } from '../src/probes/validation/process.ts';
import { createProcessHost } from '../src/supervisor/hosts/create.ts';
import { startSimulator } from '../src/supervisor/simulators.ts';
import { figure, type Row } from './lib/stats.ts';
import type { SuiteContext } from './lib/suite.ts';
import { freePort } from '../test/helpers/free-port.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));


export async function processSamplingSuite(ctx: SuiteContext): Promise<Row[]> {
  const reads = ctx.quick ? 50 : 200;
  const reps = ctx.quick ? 2 : 5;
  const sim = await startSimulator('binance', { seed: 1, options: { rate: 10 } });
  const rows: Row[] = [];
  try {
    for (const variant of [
      { label: 'pidusage tree + /metrics scrape', tree: true, metrics: true },
      { label: 'pidusage of the process alone, no scrape', tree: false, metrics: false },
    ]) {
      const port = await freePort();
      const spec = processProbeSchema.parse({
        command: 'python3 client.py',
        cwd: 'examples/python-binance',
        simulator: 'binance',
        env: { METRICS_PORT: port },
        tree: variant.tree,
        ...(variant.metrics ? { metrics: { url: `http://127.0.0.1:${port}/metrics`, counters: { messages: 'binance_messages_received_total' } } } : {}),
        ready: variant.metrics ? { metrics: true } : { line: '"event": "connect"' },
      });
      const host = createProcessHost({ name: 'bench', bus: new Bus(), spec, baseDir: ROOT, resultsDir: '/tmp', simulatorEndpoints: sim.endpoints });
      await host.start();
      if (host.status !== 'running') throw new Error(`the Python example did not start: ${host.error?.message} ${host.exit?.stderrTail.join('\n')}`);
      try {
        await host.read(2000); // warm-up: first pidusage call, first connection
        const runs: number[] = [];
        for (let rep = 0; rep < reps; rep++) {
          const before = process.threadCpuUsage();
          for (let i = 0; i < reads; i++) {
            if (!(await host.read(2000))) throw new Error('the probe vanished during the bench');
          }
          const used = process.threadCpuUsage(before);
          runs.push((used.user + used.system) / reads);
        }
        ctx.log(`  process probe sample (${variant.label}): ${runs.map((v) => v.toFixed(0)).join(' ')} µs`);
        rows.push({ suite: 'process', name: `one sample of one process probe (${variant.label})`, figure: figure(runs, 'µs'), note: `main-thread CPU; ${reads} samples × ${reps}; budget 1000 µs` });
      } finally {
        await host.stop('bench over', 3000);
      }
    }
  } finally {
    await sim.stop();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await processSamplingSuite({ quick: process.argv.includes('--quick'), log: (line) => console.error(line), shared: {} });
  for (const r of rows) console.log(`${r.name}: median ${r.figure.median.toFixed(0)} µs (min ${r.figure.min.toFixed(0)}, max ${r.figure.max.toFixed(0)})`);
  process.exit(0);
}
