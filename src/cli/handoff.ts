// `exsoak run` hands its resolved plan to a fresh image of the same process (same PID, same
// command line, same stdio): process.execve, then bin/exsoak.js starts supervise.ts. The plan
// travels in a file only this user can read (a scenario's env may hold a key), which the new
// image deletes before anything starts. Where execve is missing (Windows) or turned off, the run
// stays in this process: the same run with the parser's libraries still loaded.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stripControl } from '../shared/text.ts';
import { peekEarlySignals } from '../shared/early-signals.ts';
import { encodePlan, type RunPlan } from './plan.ts';

/** The variable that tells bin/exsoak.js to supervise the plan in this file. */
export const PLAN_ENV = 'EXSOAK_RUN_PLAN';

/** Whether this process can exec into the supervisor (EXSOAK_NO_EXEC=1 keeps the run here). */
export function canHandOff(env: NodeJS.ProcessEnv = process.env): boolean {
  return typeof process.execve === 'function' && process.platform !== 'win32' && env.EXSOAK_NO_EXEC !== '1' && !!process.argv[1];
}

/** Execs into the supervisor with `plan`; returns it only if it could not (the early signals stay to be taken). */
export async function handOff(plan: RunPlan): Promise<RunPlan> {
  // What was written to stderr (a --metrics-host warning, a duration notice) must be out before
  // this image is replaced.
  await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  // A signal the kernel delivered while this image was loading (all synchronous) waits in libuv's
  // signal pipe until the event loop polls; the exec would drop it with the pipe. Two check phases
  // have a poll between them, where bin/exsoak.js's early listeners record it (seen: a SIGTERM
  // 150 ms into a run was otherwise lost). They stay attached: a run that stays here takes them.
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  // A signal until the exec is the run's to handle once it has started, as one during loading is.
  const signals = [...plan.signals, ...peekEarlySignals()];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'exsoak-plan-'));
  const file = path.join(dir, 'plan.bin');
  try {
    writeFileSync(file, encodePlan({ ...plan, signals }), { mode: 0o600 });
    process.execve!(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], { ...process.env, [PLAN_ENV]: file });
  } catch (err) {
    // No exec (a seccomp profile, a full tmp): the same run goes on in this process, as on Windows.
    process.stderr.write(`exsoak: running in this process (handing the run over failed: ${stripControl((err as Error).message)})\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return plan;
}
