// A program a process probe started must not outlive a supervisor that died without stopping it
// (kill -9, the OOM killer): a client on a live venue would go on trading with nobody watching.
// Nothing runs in a process after SIGKILL, so each started program gets a guard: a tiny shell
// (~1 MB, no polling) that reads a pipe the supervisor holds. When the supervisor is gone the
// pipe reads end-of-file and the guard sends the program's process group SIGTERM, then SIGKILL
// after the stop grace. A probe that ends normally releases its guard first. The guard is in a
// group of its own, outside the probe's measured tree and out of reach of a terminal's Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';

// POSIX spelling: dash refuses `kill -TERM -- -PGID` ("Illegal number"), takes `kill -s TERM -- -PGID`.
const SCRIPT = 'read _; kill -s TERM -- "-$1" 2>/dev/null; sleep "$2"; kill -s KILL -- "-$1" 2>/dev/null';

export interface OrphanGuard {
  /** The probe's group has been dealt with: end the guard without signalling anything. */
  release(): void;
}

/** Guards process group `pgid`; undefined where no guard can start (no `sh`: Windows). */
export function guardGroup(pgid: number, graceMs: number): OrphanGuard | undefined {
  if (process.platform === 'win32') return undefined;
  let guard: ChildProcess;
  try {
    guard = spawn('/bin/sh', ['-c', SCRIPT, 'exsoak-guard', String(pgid), String(Math.max(1, Math.ceil(graceMs / 1000)))], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
  } catch {
    return undefined;
  }
  guard.once('error', () => {});
  guard.stdin!.on('error', () => {});
  // Neither the guard nor its pipe may keep a finished run's process alive.
  guard.unref();
  (guard.stdin as unknown as { unref?: () => void }).unref?.();
  return {
    release() {
      if (guard.exitCode === null && guard.signalCode === null) guard.kill('SIGKILL');
    },
  };
}
