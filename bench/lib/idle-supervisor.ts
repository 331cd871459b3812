// A supervisor with N idle probes sampled every second (real WorkerHost + Sampler), in a process of
// its own so that its RSS is the supervisor's and nothing else's. Prints one JSON line:
// {cpuPct: [...], rssMb: [...]} — main-thread CPU (% of a core) and process RSS per window.
//   node bench/lib/idle-supervisor.ts N WINDOWS WINDOW_MS
import { spawn } from 'node:child_process';
import { Bus } from '../../src/bus/bus.ts';
import { Sampler } from '../../src/sampling/sampler.ts';
import { startProbe, waitRunning } from './probe.ts';
import { sleep } from './stats.ts';

const MB = 1024 * 1024;

export interface IdleReading {
  cpuPct: number[];
  rssMb: number[];
}

/** Runs the measurement in a child process. */
export function idleSupervisor(n: number, windows: number, windowMs: number): Promise<IdleReading> {
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, String(n), String(windows), String(windowMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`idle supervisor (${n} probes) exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as IdleReading);
    });
  });
}

async function measure(n: number, windows: number, windowMs: number): Promise<IdleReading> {
  const bus = new Bus();
  const hosts = Array.from({ length: n }, (_, i) => startProbe({ kind: 'idle', name: `idle${i}`, bus, gcFloorIntervalMs: 2000 }));
  const sampler = new Sampler(hosts, bus, 1000, 1000);
  const out: IdleReading = { cpuPct: [], rssMb: [] };
  try {
    await waitRunning(hosts);
    sampler.start();
    await sleep(2000); // settle: first samples, first forced GCs
    for (let w = 0; w < windows; w++) {
      const cpu0 = process.threadCpuUsage();
      const t0 = performance.now();
      await sleep(windowMs);
      const cpu = process.threadCpuUsage(cpu0);
      out.cpuPct.push(((cpu.user + cpu.system) / ((performance.now() - t0) * 1000)) * 100);
      out.rssMb.push(process.memoryUsage.rss() / MB);
    }
  } finally {
    await sampler.stop();
    await Promise.all(hosts.map((h) => h.stop('bench', 2000)));
  }
  return out;
}

if (import.meta.main) {
  const [n, windows, windowMs] = process.argv.slice(2).map(Number);
  console.log(JSON.stringify(await measure(n!, windows!, windowMs!)));
}
