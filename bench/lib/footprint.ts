// Harness footprint: process RSS of an `exsoak run` supervisor (results writer, verdict engine,
// log, metrics endpoint, sampler) with N idle probes, against a bare Node process with N bare
// worker threads that do nothing. Each measurement runs in a process of its own, so its RSS is
// that configuration's and nothing else's. Prints one JSON line {rssMb: [...]}.
//   node bench/lib/footprint.ts exsoak N SECONDS
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const MB = 1024 * 1024;

export interface FootprintReading {
  rssMb: number[];
}

/** RSS readings once a second after a settle time, in a child process. */
export function footprint(mode: 'exsoak' | 'bare', n: number, seconds: number): Promise<FootprintReading> {
  // Bare Node is plain JavaScript from -e: a .ts entry would load the type stripper and count it.
  const args = mode === 'bare' ? ['-e', BARE, String(n), String(seconds)] : [new URL(import.meta.url).pathname, mode, String(n), String(seconds)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`footprint ${mode} ${n} exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as FootprintReading);
    });
  });
}

const SETTLE_MS = 4000;

const BARE = `
const { Worker } = require('node:worker_threads');
const [n, seconds] = process.argv.slice(1).map(Number);
const workers = Array.from({ length: n }, () => new Worker('setInterval(() => {}, 1000)', { eval: true }));
const rssMb = [];
setTimeout(() => {
  const timer = setInterval(() => {
    rssMb.push(Math.round(process.memoryUsage.rss() / 1048576 * 10) / 10);
    if (rssMb.length >= seconds) {
      clearInterval(timer);
      console.log(JSON.stringify({ rssMb }));
      process.exit(0);
    }
  }, 1000);
}, ${SETTLE_MS});
`;

function readEverySecond(seconds: number): Promise<number[]> {
  const readings: number[] = [];
  return new Promise((resolve) => {
    const start = setTimeout(() => {
      const timer = setInterval(() => {
        readings.push(Math.round((process.memoryUsage.rss() / MB) * 10) / 10);
        if (readings.length >= seconds) {
          clearInterval(timer);
          resolve(readings);
        }
      }, 1000);
    }, SETTLE_MS);
  });
}

async function exsoak(n: number, seconds: number): Promise<number[]> {
  const { loadScenarios } = await import('../../src/scenario/load.ts');
  const { runSoak } = await import('../../src/supervisor/run.ts');
  const { writeFileSync } = await import('node:fs');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'exsoak-footprint-'));
  const file = path.join(dir, 'f.yaml');
  const probes = Array.from({ length: Math.max(1, n) }, (_, i) => `  idle${i}: { kind: idle }`).join('\n');
  writeFileSync(file, `name: footprint\nduration: ${Math.ceil(SETTLE_MS / 1000) + seconds + 2}s\nsampleInterval: 1s\ngcFloorInterval: 2s\nmetrics: { port: 0 }\nprobes:\n${probes}\n`);
  const loaded = loadScenarios([file]);
  // 0 probes: the supervisor alone (a scenario needs one; the run gets none).
  if (n === 0) loaded.probes = [];
  const readings = readEverySecond(seconds);
  await runSoak({ loaded, out: path.join(dir, 'run'), progress: false, stderrLevel: 'silent' });
  const rss = await readings;
  rmSync(dir, { recursive: true, force: true });
  return rss;
}

if (import.meta.main) {
  const [mode, n, seconds] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
  const rssMb = await exsoak(n, seconds);
  console.log(JSON.stringify({ rssMb }));
}
