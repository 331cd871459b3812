// `node: true`: a Node program's V8 heap, read through its inspector. The program is started
// with `--inspect=127.0.0.1:0` and announces the inspector's URL on stderr; each reading asks
// Runtime.getHeapUsage, at most every gcFloorInterval after a forced full GC (the floor), and
// snapshots stream HeapProfiler chunks into a file.
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { descendants } from '../../../sampling/process-tree.ts';
import { InspectorClient, inspectorUrlFromLine } from '../../../sampling/inspector.ts';
import type { LanguageRuntime, RuntimeContext, RuntimeFactory, RuntimeHeap, RuntimeLaunch } from './runtime.ts';

/** How long a tree with no Node process in it is given before the inspector is given up. */
const NOT_NODE_AFTER_MS = 3_000;

/** The executables' base names of `pid` and its descendants (empty once it is gone). */
function treeExecutables(pid: number): string[] {
  const names: string[] = [];
  for (const p of descendants(pid)) {
    try {
      names.push(path.basename(readlinkSync(`/proc/${p}/exe`)));
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return names;
}

function isNode(name: string): boolean {
  return /^node(js)?\d*$/.test(name) || name === path.basename(process.execPath);
}

export const v8Runtime: RuntimeFactory = (spec, ctx) => (spec.node ? new V8Runtime(ctx) : undefined);

class V8Runtime implements LanguageRuntime {
  private readonly ctx: RuntimeContext;
  private inspector?: InspectorClient;
  /** Set while connect() waits for the URL on stderr. */
  private onUrl?: (url: string) => void;
  /** Ends connect()'s wait early (the program exited or is being stopped). */
  private giveUp?: () => void;
  private lastFloorAt = 0;
  private lastUsed = 0;

  constructor(ctx: RuntimeContext) {
    this.ctx = ctx;
  }

  prepare(launch: RuntimeLaunch): RuntimeLaunch {
    // Port 0: every child gets its own free port, announced on stderr. A wrapper (npm, a shell
    // script) gets it through NODE_OPTIONS so the real Node program is the one inspected.
    const flag = '--inspect=127.0.0.1:0';
    if (/^node(js)?(\d+)?(\.exe)?$/.test(path.basename(launch.program)) || launch.executable === process.execPath) {
      return { ...launch, args: [flag, ...launch.args] };
    }
    return { ...launch, env: { ...launch.env, NODE_OPTIONS: `${launch.env.NODE_OPTIONS ?? ''} ${flag}`.trim() } };
  }

  onLine(stream: 'stdout' | 'stderr', line: string): void {
    if (stream !== 'stderr') return;
    const url = inspectorUrlFromLine(line);
    if (url) this.onUrl?.(url);
    // Node keeps a process that wants to exit alive while a debugger is attached.
    if (line.includes('Waiting for the debugger to disconnect')) this.dropConnection();
  }

  connect(pid: number, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        clearInterval(probe);
        this.onUrl = undefined;
        this.giveUp = undefined;
        resolve();
      };
      const timer = setTimeout(() => {
        this.ctx.log('warn', `the Node inspector did not announce itself within ${timeoutMs} ms; no heap figures for this probe`);
        done();
      }, timeoutMs);
      // A program that is not Node never announces an inspector: say so early rather than after
      // the whole timeout. A wrapper (npm, a shell script) has Node somewhere in its tree soon.
      const since = Date.now();
      const probe = setInterval(() => {
        const names = treeExecutables(pid);
        if (names.length === 0 || names.some(isNode) || Date.now() - since < Math.min(NOT_NODE_AFTER_MS, timeoutMs)) return;
        this.ctx.log('warn', `node: true, but no process of its tree is Node (${[...new Set(names)].join(', ')}) after ${NOT_NODE_AFTER_MS} ms: no heap figures for this probe (is it a Node program?)`);
        done();
      }, 250);
      probe.unref();
      this.giveUp = done;
      this.onUrl = (url) => {
        this.onUrl = undefined;
        clearTimeout(timer);
        InspectorClient.connect(url).then(
          async (client) => {
            if (!this.ctx.alive()) {
              client.close();
              return done();
            }
            this.inspector = client;
            await client.send('HeapProfiler.enable').catch(() => {});
            done();
          },
          (err: Error) => {
            this.ctx.log('warn', `could not connect to the Node inspector: ${err.message}`);
            done();
          },
        );
      };
    });
  }

  async readHeap(timeoutMs: number): Promise<RuntimeHeap | undefined> {
    const inspector = this.inspector;
    if (!inspector?.open) return undefined;
    try {
      if (Date.now() - this.lastFloorAt >= this.ctx.gcFloorIntervalMs) {
        this.lastFloorAt = Date.now();
        const floor = await inspector.heapFloor(timeoutMs);
        this.lastUsed = floor.used;
        return { used: floor.used, total: floor.total, floor: floor.used };
      }
      const usage = await inspector.heapUsage(timeoutMs);
      this.lastUsed = usage.used;
      return usage;
    } catch {
      return undefined;
    }
  }

  evidence(): { supported: true; heapBytes: number } | { supported: false; why: string } {
    return this.inspector?.open ? { supported: true, heapBytes: this.lastUsed } : { supported: false, why: 'the Node inspector is not connected' };
  }

  async snapshot(file: string): Promise<void> {
    if (!this.inspector?.open) throw new Error(`probe ${this.ctx.probe}: the Node inspector is not connected`);
    await this.inspector.takeHeapSnapshot(file);
  }

  private dropConnection(): void {
    this.inspector?.close();
    this.inspector = undefined;
  }

  close(): void {
    this.dropConnection();
    if (!this.giveUp) return;
    // Still waiting: a short run (or a program that ended) must not hide that no inspector came.
    this.ctx.log('warn', 'node: true, but the program never announced a Node inspector before it ended or was stopped: no heap figures for this probe (is it a Node program?)');
    this.giveUp();
  }
}
