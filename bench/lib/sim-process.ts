// A simulator in its own process, started through the CLI exactly as a user would
// (`exsoak sim binance|bitunix …`), so its CPU and memory are not the client's. Its URLs are the
// first stdout line.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pidusage from 'pidusage';

const BIN = fileURLToPath(new URL('../../bin/exsoak.js', import.meta.url));

/** Simulators still running: killed when this process exits, however it exits. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface SimProcess {
  urls: string[];
  pid: number;
  /** CPU time (user + system) the simulator process has used so far, in ms. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

export interface SimArgs {
  exchange: 'binance' | 'bitunix';
  rate?: number;
  seed?: number;
  /** Extra simulator options (per-stream rates, rules), passed with --options-json. */
  options?: Record<string, unknown>;
}

export async function startSimProcess(args: SimArgs): Promise<SimProcess> {
  const argv = [BIN, 'sim', args.exchange, '--seed', String(args.seed ?? 1)];
  if (args.rate !== undefined) argv.push('--rate', String(args.rate));
  if (args.options) argv.push('--options-json', JSON.stringify(args.options));
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
  running.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        child.stdout!.off('data', onData);
        resolve(buf.slice(0, nl).trim());
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`simulator exited (${code}) before printing its URLs: ${stderr.trim()}`)));
  });
  child.stdout!.resume();
  const urls = line.split(/\s+/);
  return {
    urls,
    pid: child.pid!,
    cpuMs: async () => (await pidusage(child.pid!)).ctime,
    stop: () => stopChild(child, exited),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
  pidusage.clear();
}
