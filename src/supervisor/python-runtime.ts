// `python: true`: the CPython runtime capability of a spawned process probe. It gives the child
// the agent (PYTHONPATH + sitecustomize, a private socket), reads the Python heap floor from it,
// and takes the two looks a confirmed leak asks for (allocation sites + grown containers).
// Without the agent (an old Python, `-I`, `-S`, `-E`) the probe is still measured from outside:
// a `runtime-missing` event says why, and the verdict judges the leak on RSS instead.
import { writeFile } from 'node:fs/promises';
import type { Bus } from '../bus/bus.ts';
import { DEFAULT_PYTHON_DEPTH, PythonAgentChannel, type AgentHello } from '../sampling/python-agent.ts';
import { pythonCulprits, pythonRows, type PythonHolder, type PythonSite } from '../snapshot/python-culprits.ts';
import type { DiffResult } from '../snapshot/taker.ts';

/** Why an agent that was offered never comes: what to check first. */
const WHY_NOT = 'not CPython ≥ 3.9, or started with -I, -E or -S, which ignore PYTHONPATH or sitecustomize';

export interface PythonHeap {
  used: number;
  total: number;
  floor?: number;
}

/** The longest time the agent's work held the program's GIL in one request, per request kind. */
export type PythonPauses = Record<string, number>;

export class PythonRuntime {
  private readonly probe: string;
  private readonly bus: Bus;
  private readonly depth: number;
  private channel?: PythonAgentChannel;
  private lastFloorAt = 0;
  private lastLook?: { sites: PythonSite[]; holders: PythonHolder[] };
  /** Worst GIL pause seen per request kind, ms: reported with the looks and at the end. */
  readonly pauses: PythonPauses = {};
  missing?: string;

  constructor(probe: string, bus: Bus, depth = DEFAULT_PYTHON_DEPTH) {
    this.probe = probe;
    this.bus = bus;
    this.depth = depth;
  }

  /** Opens the channel; the returned variables go into the child's environment. */
  async prepare(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
    this.channel = await PythonAgentChannel.listen();
    return this.channel.env(env, this.depth);
  }

  /** Waits for the agent's hello; says once, on the bus, why the Python view is missing. */
  async connect(timeoutMs: number, stillRunning: () => boolean): Promise<AgentHello | undefined> {
    const hello = await this.channel?.waitHello(timeoutMs);
    if (hello && !hello.unsupported) {
      this.log('info', `Python agent connected (pid ${hello.pid}, Python ${hello.python}, traceback depth ${hello.depth})`);
      return hello;
    }
    if (!stillRunning() && !hello) return undefined;
    const why = hello?.unsupported
      ? `the Python agent cannot run there: ${hello.unsupported}`
      : `the Python agent never connected within ${Math.round(timeoutMs / 1000)} s (${WHY_NOT})`;
    this.markMissing(why);
    return undefined;
  }

  private markMissing(why: string): void {
    if (this.missing) return;
    this.missing = why;
    this.log('warn', `${why}; the probe is measured from outside (RSS)`);
    this.bus.emit('event', { t: Date.now(), probe: this.probe, kind: 'runtime-missing', data: { runtime: 'python', reason: why } });
  }

  private log(level: string, msg: string): void {
    this.bus.emit('log', { t: Date.now(), probe: this.probe, level, msg });
  }

  private note(op: string, pauseMs: unknown): void {
    if (typeof pauseMs === 'number') this.pauses[op] = Math.max(this.pauses[op] ?? 0, pauseMs);
  }

  /** Traced memory; after gc.collect() at most every `floorIntervalMs` (then also the floor). */
  async read(timeoutMs: number, floorIntervalMs: number): Promise<PythonHeap | undefined> {
    const channel = this.channel;
    if (!channel?.connected) return undefined;
    try {
      if (Date.now() - this.lastFloorAt >= floorIntervalMs) {
        this.lastFloorAt = Date.now();
        const r = await channel.request('floor', timeoutMs);
        this.note('floor', r.pauseMs);
        return { used: Number(r.floor), total: Number(r.peak), floor: Number(r.floor) };
      }
      const r = await channel.request('usage', timeoutMs);
      return { used: Number(r.traced), total: Number(r.peak) };
    } catch {
      return undefined;
    }
  }

  /**
   * One look, written as JSON into `file` (created 0600, never overwritten; the snapshot taker
   * scrubs it): a tracemalloc snapshot kept in the agent and the containers' lengths. From the
   * second look on, the comparison with the one before is kept for `diff()`.
   */
  async snapshot(file: string): Promise<void> {
    const channel = this.channel;
    if (!channel?.connected) throw new Error(`probe ${this.probe}: ${this.missing ?? 'the Python agent is not connected'}`);
    // Generous: a snapshot of a big heap and the census are slow Python work on a busy machine,
    // but they run on the agent's thread; only `pauseMs` of it holds the program.
    const snap = await channel.request('snapshot', 120_000);
    this.note('snapshot', snap.pauseMs);
    const diff = await channel.request('diff', 120_000);
    this.note('diff', diff.pauseMs);
    const holders = await channel.request('holders', 120_000);
    this.note('holders', holders.pauseMs);
    const sites = (diff.sites ?? []) as PythonSite[];
    const grown = (holders.holders ?? []) as PythonHolder[];
    if (sites.length > 0 || grown.length > 0) this.lastLook = { sites, holders: grown };
    const look = {
      format: 'exsoak-python-look/1',
      probe: this.probe,
      t: new Date().toISOString(),
      traced: snap.traced,
      traces: snap.traces,
      top: snap.top,
      growth: { sites, holders: grown, note: diff.note ?? holders.note },
      pausesMs: { snapshot: snap.pauseMs, holders: holders.pauseMs },
    };
    await writeFile(file, JSON.stringify(look, null, 1) + '\n', { flag: 'wx', mode: 0o600 });
  }

  /** What grew between the last two looks, as culprits and report rows. */
  async diff(): Promise<DiffResult> {
    const look = this.lastLook;
    if (!look) return { rows: [], culprits: [], culpritError: 'the Python agent saw no growth between its two looks' };
    return { rows: pythonRows(look.sites), culprits: pythonCulprits(look.sites, look.holders) };
  }

  close(): void {
    // Ended before the agent's deadline: the verdict still says why it has no Python view.
    if (this.channel && !this.channel.hello) this.markMissing(`the Python agent never connected before the program ended (${WHY_NOT})`);
    this.channel?.close();
    this.channel = undefined;
  }
}
