// Cost of `python: true` to the Python client itself: its CPU and RSS with and without the agent
// at several tracemalloc traceback depths, and how long the agent's requests pause it (the GIL
// held by gc.collect, take_snapshot and the heap scans). The client is the stdlib test client
// (test/fixtures/python/client.py) parsing RATE JSON messages a second; the agent is asked what
// a run asks: `usage` every second, `floor` every 5 s (gcFloorInterval's default).
//   node bench/python.ts [--quick]        on its own; also `npm run bench -- --suite python`
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PYTHON_DEPTH, PythonAgentChannel, type AgentReply } from '../src/sampling/python-agent.ts';
import { figure, sleep, type Row } from './lib/stats.ts';
import type { SuiteContext } from './lib/suite.ts';

const CLIENT = fileURLToPath(new URL('../test/fixtures/python/client.py', import.meta.url));
const RATE = 2000;
const TICK_S = 100; // USER_HZ on Linux

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK_S; // utime + stime
}

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return kb / 1024;
}

interface Measured {
  cpuPct: number;
  rssMb: number;
  pauses: Record<string, number>;
}

/** One client for `windowMs`, with the agent at `depth` (0: without it). */
async function measure(depth: number, windowMs: number, mode: string, looks: boolean): Promise<Measured> {
  const channel = depth > 0 ? await PythonAgentChannel.listen() : undefined;
  const env = { ...process.env, MODE: mode, RATE: String(RATE), ...(channel ? channel.env(process.env, depth) : {}) };
  const child = spawn('python3', [CLIENT], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const pauses: Record<string, number> = {};
  const note = (op: string, r: AgentReply) => (pauses[op] = Math.max(pauses[op] ?? 0, r.pauseMs));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.includes('ready') && resolve());
      child.once('exit', () => reject(new Error('the Python client exited before "ready"')));
    });
    if (channel && !(await channel.waitHello(30_000))) throw new Error('the agent did not connect');
    await sleep(1000); // past start-up
    const pid = child.pid!;
    const cpu0 = cpuSeconds(pid);
    const t0 = Date.now();
    for (let s = 1; Date.now() - t0 < windowMs; s++) {
      await sleep(1000);
      if (channel) note(s % 5 === 0 ? 'floor' : 'usage', await channel.request(s % 5 === 0 ? 'floor' : 'usage', 10_000));
    }
    const cpuPct = ((cpuSeconds(pid) - cpu0) / ((Date.now() - t0) / 1000)) * 100;
    const rss = rssMb(pid);
    if (channel && looks) {
      // Two looks, as after a confirmed leak: the pauses they cost the program.
      for (let i = 0; i < 2; i++) for (const op of ['snapshot', 'diff', 'holders'] as const) note(op, await channel.request(op, 120_000));
    }
    return { cpuPct, rssMb: rss, pauses };
  } finally {
    child.kill('SIGKILL');
    channel?.close();
  }
}

export async function pythonSuite(ctx: SuiteContext): Promise<Row[]> {
  const reps = ctx.quick ? 1 : 3;
  const windowMs = ctx.quick ? 6_000 : 15_000;
  const depths = [...new Set([0, 1, DEFAULT_PYTHON_DEPTH, 4, 8, 16])].sort((a, b) => a - b);
  const cpu = new Map<number, number[]>();
  const rss = new Map<number, number[]>();
  for (let rep = 0; rep < reps; rep++) {
    // Interleaved so a busy moment of the machine does not land on one variant.
    for (const depth of depths) {
      const m = await measure(depth, windowMs, 'healthy', false);
      cpu.set(depth, [...(cpu.get(depth) ?? []), m.cpuPct]);
      rss.set(depth, [...(rss.get(depth) ?? []), m.rssMb]);
      ctx.log(`  python depth ${depth || 'off'}: ${m.cpuPct.toFixed(1)} % CPU, ${m.rssMb.toFixed(1)} MB RSS`);
    }
  }
  const rows: Row[] = [];
  const label = (d: number) => (d === 0 ? 'without the agent' : `python: true, traceback depth ${d}${d === DEFAULT_PYTHON_DEPTH ? ' (default)' : ''}`);
  const note = `stdlib client parsing ${RATE} JSON msgs/s; ${windowMs / 1000} s × ${reps}; usage 1/s, floor 1/5 s`;
  const base = figure(cpu.get(0)!, '%');
  for (const depth of depths) {
    const c = figure(cpu.get(depth)!, '% CPU');
    rows.push({ suite: 'python', name: `client CPU, ${label(depth)}`, figure: c, note });
    rows.push({ suite: 'python', name: `client RSS, ${label(depth)}`, figure: figure(rss.get(depth)!, 'MB'), note });
    if (depth > 0) {
      const overhead = cpu.get(depth)!.map((v, i) => ((v - cpu.get(0)![i]!) / cpu.get(0)![i]!) * 100);
      rows.push({ suite: 'python', name: `client CPU overhead, depth ${depth}`, figure: figure(overhead, '%'), note: `vs ${base.median.toFixed(1)} % without the agent (same repetition)` });
    }
  }
  // Pauses on a client that has grown (the leak mode keeps every message): what a look costs.
  const grown = await measure(DEFAULT_PYTHON_DEPTH, windowMs, 'leak', true);
  for (const [op, ms] of Object.entries(grown.pauses)) {
    const when = op === 'snapshot' || op === 'diff' ? ' (only with python: { snapshots: true })' : op === 'holders' ? ' (a look)' : '';
    rows.push({ suite: 'python', name: `longest GIL pause of one "${op}" request${when}`, figure: figure([ms], 'ms'), note: `depth ${DEFAULT_PYTHON_DEPTH}, leaking client at ${grown.rssMb.toFixed(0)} MB RSS after ${windowMs / 1000} s` });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await pythonSuite({ quick: process.argv.includes('--quick'), log: (line) => console.error(line), shared: {} });
  for (const r of rows) console.log(`${r.name}: median ${r.figure.median.toFixed(1)} ${r.figure.unit} (min ${r.figure.min.toFixed(1)}, max ${r.figure.max.toFixed(1)})`);
  process.exit(0);
}
