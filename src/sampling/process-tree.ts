// RSS and CPU of a process measured from outside, optionally with its descendants: a launcher
// (a shell script, `npm start`, a Python wrapper) often does the real work in a child.
import { readdirSync, readFileSync } from 'node:fs';
import pidusage from 'pidusage';

/**
 * The pid and every descendant, read from /proc/<pid>/task/<tid>/children (one small read per
 * thread, no scan of every process on the machine). Bounded: a fork bomb does not hang the sampler.
 */
function descendants(root: number, max = 512): number[] {
  const found = [root];
  for (let i = 0; i < found.length && found.length < max; i++) {
    const pid = found[i]!;
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // exited meanwhile
    }
    for (const tid of tids) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const child of text.split(' ')) {
        const n = Number(child);
        if (n > 0 && !found.includes(n)) found.push(n);
      }
    }
  }
  return found;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks): tells a pid from its reuse. */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its closing ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return undefined;
  }
}

export interface TreeUsage {
  rss: number;
  /** CPU % over the interval since the previous reading (100 = one core). */
  cpu: number;
  pids: number;
}

/** RSS and CPU of `pid` (and its descendants with `tree`); undefined once `pid` is gone. */
export async function sampleTree(pid: number, tree: boolean): Promise<TreeUsage | undefined> {
  const pids = tree ? descendants(pid) : [pid];
  let stats: Record<string, { memory: number; cpu: number }>;
  try {
    stats = (await pidusage(pids)) as unknown as Record<string, { memory: number; cpu: number }>;
  } catch {
    // pidusage rejects the whole batch when one pid vanished between the /proc walk and its read.
    if (!tree) return undefined;
    const alive = pids.filter((p) => processStartTime(p) !== undefined);
    if (!alive.includes(pid)) return undefined;
    try {
      stats = (await pidusage(alive)) as unknown as Record<string, { memory: number; cpu: number }>;
    } catch {
      return undefined;
    }
  }
  if (!stats[pid]) return undefined;
  let rss = 0;
  let cpu = 0;
  let count = 0;
  for (const stat of Object.values(stats)) {
    if (!stat) continue;
    rss += stat.memory;
    cpu += stat.cpu;
    count++;
  }
  return { rss, cpu, pids: count };
}
