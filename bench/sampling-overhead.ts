// Cost of sampling: main-thread CPU per sample per worker, with 1, 2 and 8 idle probes.
// Each tick queries every worker's heap, ELU and CPU plus pidusage for the process.
import { Bus } from '../src/bus/bus.ts';
import { WorkerHost } from '../src/supervisor/hosts/worker-host.ts';
import { Sampler } from '../src/sampling/sampler.ts';

export async function samplingOverhead(workerCounts = [1, 2, 8], ticks = 200, reps = 1) {
  const rows: { workers: number; usPerSamplePerWorker: number; usPerTick: number; runs: number[] }[] = [];
  for (const n of workerCounts) {
    const bus = new Bus();
    const hosts = Array.from({ length: n }, (_, i) =>
      new WorkerHost({
        name: `idle${i}`,
        kind: 'idle',
        bus,
        resourceLimits: {},
        task: { options: {}, target: 'sim', endpoints: {}, reportIntervalMs: 1000, gcFloorIntervalMs: 0, injectLeakBytesPerSec: 0, seed: 1 },
      }),
    );
    for (const h of hosts) h.start();
    await new Promise((r) => setTimeout(r, 500));
    const sampler = new Sampler(hosts, bus, 1000, 1000);
    await sampler.tick(); // warm-up
    // Repetitions reuse the same workers: µs per sample per worker of each batch of ticks.
    const runs: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const before = process.threadCpuUsage();
      for (let i = 0; i < ticks; i++) await sampler.tick();
      const used = process.threadCpuUsage(before);
      runs.push((used.user + used.system) / ticks / n);
    }
    const mid = [...runs].sort((a, b) => a - b)[runs.length >> 1]!;
    rows.push({ workers: n, usPerSamplePerWorker: Math.round(mid), usPerTick: Math.round(mid * n), runs });
    await sampler.stop();
    await Promise.all(hosts.map((h) => h.stop('bench', 1000)));
  }
  return rows;
}

if (import.meta.main) console.table(await samplingOverhead());
