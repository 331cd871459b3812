// Debian's Prometheus in tests: find its binaries (failing loudly, with how to install them,
// rather than skipping: CI installs the package, so a missing binary is a broken setup), and run
// a real server on loopback with a temporary storage folder.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from './wait.ts';

export function requireBinary(name: 'promtool' | 'prometheus'): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const file = found.stdout.trim();
  if (found.status !== 0 || file === '') {
    throw new Error(
      `${name} is not installed: these tests need Debian's Prometheus (apt-get update && apt-get install -y prometheus; .ci/run does it). ${process.env.CI === 'true' ? 'CI=true: failing.' : ''}`,
    );
  }
  return file;
}

export function promtool(args: string[], cwd: string): { code: number | null; out: string } {
  const res = spawnSync(requireBinary('promtool'), args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: res.status, out: `${res.stdout}${res.stderr}` };
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RunningPrometheus {
  url: string;
  /** GET /api/v1/query; the `data.result` vector. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  targets(): Promise<{ health: string; lastScrape: string; scrapeUrl: string; lastError: string }[]>;
  log(): string;
  stop(): Promise<void>;
}

/** Starts `prometheus` on 127.0.0.1 (free port, temporary storage) scraping the given targets. */
export async function startPrometheus(targets: string[], opts: { scrapeIntervalS?: number } = {}): Promise<RunningPrometheus> {
  const bin = requireBinary('prometheus');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'exsoak-prom-'));
  const every = opts.scrapeIntervalS ?? 1;
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    `global: { scrape_interval: ${every}s, evaluation_interval: ${every}s }\nscrape_configs:\n  - job_name: exsoak\n    static_configs:\n      - targets: ${JSON.stringify(targets)}\n`,
  );
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(
    bin,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d: Buffer) => (output += d));
  child.stderr!.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const api = async <T>(p: string): Promise<T> => {
    const res = await fetch(`${url}${p}`, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${p}: ${body.error}`);
    return body.data;
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}):\n${output}`);
        return fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'prometheus to be ready' },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    query: (expr) => api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`).then((d) => d.result),
    targets: () => api<{ activeTargets: { health: string; lastScrape: string; scrapeUrl: string; lastError: string }[] }>('/api/v1/targets').then((d) => d.activeTargets),
    log: () => output,
    stop,
  };
}
