// `python: true`: a CPython program's heap, read by exsoak's tracemalloc agent
// (agents/python/exsoak_agent.py, loaded through PYTHONPATH + sitecustomize) over a private Unix
// socket. Each reading asks for the traced memory, at most every gcFloorInterval after
// gc.collect() (the floor); a snapshot is a *look* (the containers' lengths, and where the grown
// ones' newest entries were allocated; with `snapshots: true` a tracemalloc snapshot too) written
// as JSON, and from the second look on it carries what grew since the one before: the snapshot
// taker makes the culprits of it (src/snapshot/python-culprits.ts).
// Without the agent (an old Python, -I/-E/-S) the probe is measured from outside: a
// `runtime-missing` event says why, and the verdict judges its leak on RSS.
import { writeFile } from 'node:fs/promises';
import { DEFAULT_PYTHON_DEPTH, PythonAgentChannel, type AgentReply } from '../../../sampling/python-agent.ts';
import type { PythonHolder } from '../../../snapshot/python-culprits.ts';
import type { LanguageRuntime, RuntimeContext, RuntimeFactory, RuntimeHeap, RuntimeLaunch } from './runtime.ts';

/** Why an agent that was offered never comes: what to check first. */
const WHY_NOT = 'not CPython ≥ 3.9, or started with -I, -E or -S, which ignore PYTHONPATH or sitecustomize';
/** A look on a big heap is slow Python work on the agent's thread (only `pauseMs` of it holds the program). */
const LOOK_TIMEOUT_MS = 120_000;
/** How long a lost connection must stay lost, the program still running, before it is said. */
const LOST_CONFIRM_MS = 1_000;

export const pythonRuntime: RuntimeFactory = (spec, ctx) => {
  if (!spec.python) return undefined;
  const options = typeof spec.python === 'object' ? spec.python : {};
  return new PythonRuntime(ctx, options.depth ?? DEFAULT_PYTHON_DEPTH, options.snapshots ?? false);
};

class PythonRuntime implements LanguageRuntime {
  private readonly ctx: RuntimeContext;
  private readonly depth: number;
  private channel?: PythonAgentChannel;
  private lastFloorAt = 0;
  private lastUsed = 0;
  /** When the agent's connection was first seen gone while the program ran. */
  private lostAt?: number;
  private missing?: string;
  /** Worst GIL pause seen per request kind, ms (logged with each look). */
  private readonly pauses: Record<string, number> = {};

  /** Compare full tracemalloc snapshots too (`python: { snapshots: true }`): each stops the program for the copy of every trace. */
  private readonly snapshots: boolean;

  constructor(ctx: RuntimeContext, depth: number, snapshots: boolean) {
    this.ctx = ctx;
    this.depth = depth;
    this.snapshots = snapshots;
  }

  prepare(launch: RuntimeLaunch): RuntimeLaunch {
    this.channel = PythonAgentChannel.open();
    return { ...launch, env: { ...launch.env, ...this.channel.env(launch.env, this.depth) } };
  }

  onLine(): void {
    // The agent talks on its socket, never on the program's output.
  }

  async connect(_pid: number, timeoutMs: number): Promise<void> {
    const hello = await this.channel?.waitHello(timeoutMs);
    if (hello && !hello.unsupported) {
      this.ctx.log('info', `Python agent connected (pid ${hello.pid}, Python ${hello.python}, traceback depth ${hello.depth})`);
      return;
    }
    if (!hello && !this.ctx.alive()) return; // ended or stopped meanwhile: close() says it
    this.markMissing(hello?.unsupported ? `the Python agent cannot run there: ${hello.unsupported}` : `the Python agent never connected within ${Math.round(timeoutMs / 1000)} s (${WHY_NOT})`);
  }

  private markMissing(why: string): void {
    if (this.missing) return;
    this.missing = why;
    this.ctx.log('warn', `${why}; the probe is measured from outside (RSS)`);
    this.ctx.event('runtime-missing', { runtime: 'python', reason: why });
  }

  private note(op: string, reply: AgentReply): AgentReply {
    this.pauses[op] = Math.max(this.pauses[op] ?? 0, reply.pauseMs);
    return reply;
  }

  async readHeap(timeoutMs: number): Promise<RuntimeHeap | undefined> {
    const channel = this.channel;
    if (!channel?.connected) {
      // It had connected and is gone while the program runs: from here on the leak is judged on
      // RSS, and the verdict says why the Python view stopped (a floor that just stops says nothing).
      // Seen twice, a second apart: a program that is exiting closes the socket first.
      if (channel?.hello && !channel.hello.unsupported && this.ctx.alive()) {
        this.lostAt ??= Date.now();
        if (Date.now() - this.lostAt >= LOST_CONFIRM_MS) this.markMissing(`the Python agent's connection closed mid-run (${channel.closeReason ?? 'the agent thread ended'})`);
      }
      return undefined;
    }
    try {
      if (Date.now() - this.lastFloorAt >= this.ctx.gcFloorIntervalMs) {
        this.lastFloorAt = Date.now();
        const r = this.note('floor', await channel.request('floor', timeoutMs));
        this.lastUsed = Number(r.floor);
        return { used: Number(r.floor), total: Number(r.peak), floor: Number(r.floor) };
      }
      const r = await channel.request('usage', timeoutMs);
      this.lastUsed = Number(r.traced);
      return { used: Number(r.traced), total: Number(r.peak) };
    } catch (err) {
      // The program called tracemalloc.stop(): the agent answers, but has no floor to give.
      if (/not tracing/.test((err as Error).message)) this.markMissing(`the program stopped tracemalloc mid-run (${(err as Error).message})`);
      return undefined;
    }
  }

  evidence(): { supported: true; heapBytes: number; format: 'python-look' } | { supported: false; why: string } {
    if (this.channel?.connected) return { supported: true, heapBytes: this.lastUsed, format: 'python-look' };
    return { supported: false, why: this.missing ?? 'the Python agent is not connected' };
  }

  /** One look as JSON into `file` (created 0600, never overwritten; the snapshot taker scrubs a copy). */
  async snapshot(file: string): Promise<void> {
    const channel = this.channel;
    if (!channel?.connected) throw new Error(`probe ${this.ctx.probe}: ${this.missing ?? 'the Python agent is not connected'}`);
    // A look is the containers' census, and where their newest entries were allocated; with
    // `snapshots: true` also two tracemalloc snapshots compared, for growth no container holds.
    const snap = this.snapshots ? this.note('snapshot', await channel.request('snapshot', LOOK_TIMEOUT_MS)) : undefined;
    const diff = snap ? this.note('diff', await channel.request('diff', LOOK_TIMEOUT_MS)) : undefined;
    const holders = this.note('holders', await channel.request('holders', LOOK_TIMEOUT_MS));
    const held = (holders.holders ?? []) as PythonHolder[];
    const sites = diff ? (diff.sites ?? []) : held.flatMap((h) => h.sites ?? []);
    const traced = snap?.traced ?? (await channel.request('usage', LOOK_TIMEOUT_MS)).traced;
    this.ctx.log('info', `Python look: the program was paused at most ${holders.pauseMs} ms (containers)${snap ? `, ${snap.pauseMs} ms (tracemalloc snapshot)` : ''}; worst floor so far ${this.pauses.floor ?? 0} ms`);
    const look = {
      format: 'exsoak-python-look/1',
      probe: this.ctx.probe,
      t: new Date().toISOString(),
      traced,
      ...(snap ? { traces: snap.traces, top: snap.top } : {}),
      growth: {
        sites,
        holders: held.map(({ sites: _sites, ...h }) => h),
        note: diff?.note ?? holders.note ?? (held.length === 0 && !snap ? 'no container grew: python: { snapshots: true } compares tracemalloc snapshots for growth no container holds' : undefined),
      },
      pausesMs: { ...this.pauses },
    };
    await writeFile(file, JSON.stringify(look, null, 1) + '\n', { flag: 'wx', mode: 0o600 });
  }

  close(): void {
    // Ended before the agent came: the verdict still says why it has no Python view.
    if (this.channel && !this.channel.hello) this.markMissing(`the Python agent never connected before the program ended (${WHY_NOT})`);
    this.channel?.close();
    this.channel = undefined;
  }
}
