// Simulators for `target: sim` run in child processes: their CPU and memory must not be
// counted as the clients' (process RSS is a verdict criterion), and a simulator can be killed
// and restarted like a real venue.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export type SimulatorName = 'binance' | 'bitunix';

export interface RunningSimulator {
  name: SimulatorName;
  endpoints: Record<string, string>;
  child: ChildProcess;
  stop(): Promise<void>;
}

const CLI = fileURLToPath(new URL('../../bin/exsoak.js', import.meta.url));

/** Turns the first stdout line of `exsoak sim NAME` into the endpoints its probes need. */
export function endpointsFromBanner(name: SimulatorName, line: string): Record<string, string> {
  const urls = line.trim().split(/\s+/);
  if (name === 'binance') {
    const ws = urls.find((u) => u.startsWith('ws://'));
    const rest = urls.find((u) => u.startsWith('http://'));
    if (!ws || !rest) throw new Error(`binance simulator printed an unexpected first line: ${line}`);
    return { ws, rest };
  }
  const rest = urls.find((u) => u.startsWith('http://'));
  const wsPublic = urls.find((u) => u.includes('/public'));
  const wsPrivate = urls.find((u) => u.includes('/private'));
  if (!rest || !wsPublic || !wsPrivate) throw new Error(`bitunix simulator printed an unexpected first line: ${line}`);
  return { rest, wsPublic, wsPrivate };
}

export async function startSimulator(
  name: SimulatorName,
  opts: { seed: number; options?: Record<string, unknown>; timeoutMs?: number },
): Promise<RunningSimulator> {
  const args = [CLI, 'sim', name, '--port', '0', '--seed', String(opts.seed)];
  if (opts.options && Object.keys(opts.options).length > 0) args.push('--options-json', JSON.stringify(opts.options));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
