// The processes a spawned probe owns: its leader's process group, plus the descendants seen in
// the leader's tree (one that called setsid left the group but is still the probe's). Signals go
// to all of them; a remembered descendant is signalled only while its start time still matches,
// so a reused PID is never hit.
import { readFileSync } from 'node:fs';
import { descendants, processStartTime } from '../../sampling/process-tree.ts';
import { guardGroup, type OrphanGuard } from './orphan-guard.ts';
import { trackUntilExit, untrack, type Killable } from './exit-hook.ts';

/** How often the leader's tree is walked for descendants that left its group. */
const WALK_MS = 500;

export class ProcessGroup implements Killable {
  readonly pgid: number;
  private readonly guard?: OrphanGuard;
  /** Descendants outside the leader's group, by PID: their start time when first seen. */
  private readonly strays = new Map<number, number>();

  /** `graceMs`: how long the orphan guard waits between SIGTERM and SIGKILL if the supervisor dies. */
  private readonly walker: NodeJS.Timeout;

  constructor(pgid: number, graceMs: number) {
    this.pgid = pgid;
    trackUntilExit(this);
    this.guard = guardGroup(pgid, graceMs);
    // Once the leader is gone its orphans are re-parented and no longer in its tree: they must be
    // seen while it lives. A few small /proc reads per walk.
    this.walker = setInterval(() => this.remember(), WALK_MS);
    this.walker.unref();
  }

  /** Notes the leader's descendants that left its group (called while the leader is alive). */
  remember(): void {
    for (const pid of descendants(this.pgid)) {
      if (pid === this.pgid || this.strays.has(pid) || pgidOf(pid) === this.pgid) continue;
      const start = processStartTime(pid);
      if (start !== undefined) this.strays.set(pid, start);
    }
  }

  /** Sends `signal` to the group and to the remembered strays; false when the group is gone. */
  signal(signal: NodeJS.Signals): boolean {
    for (const [pid, start] of this.strays) {
      if (processStartTime(pid) !== start) {
        this.strays.delete(pid);
        continue;
      }
      try {
        process.kill(pid, signal);
      } catch {
        this.strays.delete(pid);
      }
    }
    try {
      process.kill(-this.pgid, signal);
      return true;
    } catch {
      return false; // the group is gone
    }
  }

  killNow(): void {
    this.signal('SIGKILL');
  }

  /** The leader has exited: what is left of the probe goes with it, and the guard stands down. */
  leaderGone(): void {
    clearInterval(this.walker);
    this.killNow();
    untrack(this);
    this.guard?.release();
  }
}

/** Field 5 of /proc/<pid>/stat (the process group), undefined once the process is gone. */
function pgidOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its closing ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}
