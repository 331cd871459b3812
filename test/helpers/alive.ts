// Whether a process still runs. A zombie does not: where nothing reaps orphans (a container whose
// PID 1 is not an init), a killed process stays in the table, and signal 0 still finds it.
import { readdirSync, readFileSync } from 'node:fs';

/** State and process group from /proc/PID/stat (undefined: no such process, or no /proc). */
function stat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields follow its last ')'.
    const [state, , pgrp] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: state!, pgrp: Number(pgrp) };
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return stat(pid)?.state !== 'Z';
}

/** Whether any process of group `pgid` still runs (Linux: read from /proc). */
export function groupAlive(pgid: number): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s && s.pgrp === pgid && s.state !== 'Z') return true;
  }
  return false;
}
