// Simulators for `target: sim` run in child processes: their CPU and memory must not be
// counted as the clients' (process RSS is a verdict criterion), and a simulator can be killed
// and restarted like a real venue.
import { spawn, type ChildProcess } from 'node:child_process';
import { http } from '../shared/builtins.ts';
import { createInterface } from 'node:readline';
import { packageFile } from '../shared/module-file.ts';
import { externalSimulatorOrigin } from '../scenario/external-simulator.ts';
import { requireVenue } from '../probes/index.ts';

/** A venue name from the registry (src/probes/venues.ts). */
export type SimulatorName = string;

export interface RunningSimulator {
  name: SimulatorName;
  endpoints: Record<string, string>;
  /** The simulator's process; undefined for an external one (`simulators.<name>.url`). */
  child?: ChildProcess;
  stop(): Promise<void>;
}

/** A simulator someone else runs (`simulators.<name>.url`): its endpoints; stopping it is not ours. */
export function externalSimulator(name: SimulatorName, url: string): RunningSimulator {
  const origin = externalSimulatorOrigin(url);
  if (!origin) throw new Error(`simulators.${name}.url: expected the base URL of a running simulator, got ${url}`);
  const http = `${origin.secure ? 'https' : 'http'}://${origin.authority}`;
  const ws = `${origin.secure ? 'wss' : 'ws'}://${origin.authority}`;
  return { name, endpoints: requireVenue(name).endpointsAt(http, ws), stop: async () => {} };
}

/**
 * What a simulator recorded (`GET /_sim/stats` and `GET /_sim/faults`), for the results folder:
 * the server-side truth a run's counters are reconciled against. Never throws; a simulator that
 * is gone or slow yields `{ error }`.
 */
export async function simulatorRecord(sim: RunningSimulator, timeoutMs = 3_000): Promise<Record<string, unknown>> {
  const base = sim.endpoints.rest;
  if (!base?.startsWith('http://')) return { endpoints: sim.endpoints, error: 'no plain-HTTP endpoint to ask' };
  try {
    const [stats, faults] = await Promise.all([getJson(`${base}/_sim/stats`, timeoutMs), getJson(`${base}/_sim/faults`, timeoutMs)]);
    return { endpoints: sim.endpoints, stats, faults };
  } catch (err) {
    return { endpoints: sim.endpoints, error: (err as Error).message };
  }
}

/** The most a simulator's record may weigh: an endless stream must not grow the supervisor. */
const SIM_RECORD_MAX_BYTES = 16 * 1024 * 1024;

function getJson(url: string, timeoutMs: number, maxBytes = SIM_RECORD_MAX_BYTES): Promise<unknown> {
  return new Promise((resolve, reject) => {
    // Its own connection (agent: false): nothing is left pooled towards a simulator about to stop.
    const req = http.request(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return req.destroy(new Error(`GET ${url}: answer larger than ${maxBytes} bytes`));
        chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(deadline);
        if (res.statusCode !== 200) return reject(new Error(`GET ${url}: HTTP ${res.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(new Error(`GET ${url}: ${(err as Error).message}`));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    // `timeout` above is per idle gap only: a server dripping a byte a second never trips it.
    const deadline = setTimeout(() => req.destroy(new Error(`GET ${url}: no complete answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(deadline);
      reject(err);
    });
    req.on('close', () => clearTimeout(deadline));
    req.end();
  });
}

/** The simulator's scenario options as JSON, read by `exsoak sim` (see src/cli/sim.ts). */
const SIM_OPTIONS_ENV = 'EXSOAK_SIM_OPTIONS_JSON';

// Compiled, this file is one folder deeper (dist/src/supervisor) than the bin it starts.
const CLI = packageFile('bin/exsoak.js');

/** Turns the first stdout line of `exsoak sim NAME` (its endpoints in the venue's order) into endpoints. */
function endpointsFromBanner(name: SimulatorName, line: string): Record<string, string> {
  const urls = line.trim().split(/\s+/);
  const keys = requireVenue(name).endpoints.map((e) => e.key);
  if (urls.length !== keys.length || urls.some((u) => !/^(ws|http)s?:\/\//.test(u))) {
    throw new Error(`${name} simulator printed an unexpected first line (expected ${keys.join(' ')}): ${line}`);
  }
  return Object.fromEntries(keys.map((key, i) => [key, urls[i]!]));
}

export async function startSimulator(
  name: SimulatorName,
  opts: { seed: number; options?: Record<string, unknown>; timeoutMs?: number },
): Promise<RunningSimulator> {
  const args = [CLI, 'sim', name, '--port', '0', '--seed', String(opts.seed)];
  // By environment, not argv: the options may hold the simulator's credentials
  // (simulators.bitunix.apiKey/apiSecret), and any user can read a process's argv (`ps`).
  const env = { ...process.env };
  if (opts.options && Object.keys(opts.options).length > 0) env[SIM_OPTIONS_ENV] = JSON.stringify(opts.options);
  // The IPC channel is the child's lifeline: it closes when the supervisor dies in any way
  // (kill -9, a second SIGINT, a hang ended by force), and the simulator exits on that (sim.ts).
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env });
  child.channel?.unref();
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} simulator did not start within ${opts.timeoutMs ?? 15_000} ms: ${stderr}`)), opts.timeoutMs ?? 15_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} simulator exited with code ${code} before it started: ${stderr.trim()}`));
    });
  });
  lines.close();
  child.stdout!.resume();
  const endpoints = endpointsFromBanner(name, first);
  return {
    name,
    endpoints,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
