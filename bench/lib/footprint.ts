// Harness footprint: process RSS of an `exsoak run` supervisor (results writer, verdict engine,
// log, metrics endpoint, sampler) with N idle probes, against a bare Node process with N bare
// worker threads that do nothing. Each measurement runs in a process of its own, so its RSS is
// that configuration's and nothing else's.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../test/helpers/free-port.ts';


export interface FootprintReading {
  rssMb: number[];
}

/** RSS readings once a second after a settle time, of a process of its own. */
export async function footprint(mode: 'exsoak' | 'bare', n: number, seconds: number): Promise<FootprintReading> {
  if (mode === 'exsoak') return { rssMb: await cliRss(n, seconds) };
  // Bare Node is plain JavaScript from -e: a .ts entry would load the type stripper and count it.
  const child = spawn(process.execPath, ['-e', BARE, String(n), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`footprint bare ${n} exited with ${code}`));
      // Thrown here it would be uncaught and end the whole bench, losing the other suites' rows.
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as FootprintReading);
      } catch {
        reject(new Error(`footprint bare ${n}: no reading in ${JSON.stringify(out.slice(0, 200))}`));
      }
    });
  });
}

/**
 * `exsoak run` as users start it (bin/exsoak.js), N idle probes, RSS read from /proc. With 0,
 * the one probe of the scenario starts after the run ends: the supervisor alone.
 */
async function cliRss(n: number, seconds: number): Promise<number[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'exsoak-footprint-'));
  const file = path.join(dir, 'f.yaml');
  const probes = n === 0 ? '  idle0: { kind: idle, startDelay: 1h }' : Array.from({ length: n }, (_, i) => `  idle${i}: { kind: idle }`).join('\n');
  // The defaults a user gets (1 s samples, a floor collection every 5 s, /metrics served), on a
  // free port instead of 9091.
  writeFileSync(file, `name: footprint\nduration: ${Math.ceil(SETTLE_MS / 1000) + seconds + 2}s\nmetrics: { port: ${await freePort()} }\nprobes:\n${probes}\n`);
  await warmStripCache(dir);
  const child = spawn(process.execPath, [CLI, 'run', file, '--no-progress', '--out', path.join(dir, 'run')], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await sleep(SETTLE_MS);
  const rss: number[] = [];
  for (let i = 0; i < seconds; i++) {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    rss.push(Math.round((Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024) * 10) / 10);
    await sleep(1000);
  }
  await exited;
  rmSync(dir, { recursive: true, force: true });
  return rss;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const CLI = fileURLToPath(new URL('../../bin/exsoak.js', import.meta.url));
let warmed: Promise<void> | undefined;

/**
 * From the repository, a run after an edit strips the changed TypeScript first and loads Node's
 * type stripper to do it (~19 MB, bin/strip-cache.mjs): one short run with a probe beforehand, so
 * the measured runs find the CLI's and the worker's code stripped, as every later run does.
 */
function warmStripCache(dir: string): Promise<void> {
  warmed ??= new Promise<void>((resolve) => {
    const file = path.join(dir, 'warm.yaml');
    writeFileSync(file, 'name: warm\nduration: 2s\nmetrics: { port: 0 }\nprobes:\n  idle0: { kind: idle }\n');
    spawn(process.execPath, [CLI, 'run', file, '--no-progress', '--allow-inconclusive', '--out', path.join(dir, 'warm')], { stdio: 'ignore' }).once('exit', () => resolve());
  });
  return warmed;
}

// A soak's supervisor runs for hours: what counts is its steady RSS, read once start-up has
// settled (the supervisor's collection at the first sample, then V8's memory reducer, ~10 s).
// Bare Node gets the same wait.
const SETTLE_MS = 20_000;

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

