// What exsoak does with a `kind: process` probe's block at run time: split its command, find
// its program and folder, export the simulator's endpoints. Its schema is validation/process.ts.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { parse as shellParse } from 'shell-quote';
import type { ProcessProbeSpec } from './validation/process.ts';

export type { ProcessProbeSpec };

/**
 * Splits a command string the way a POSIX shell splits words (quotes, backslashes), without
 * running a shell: nothing is expanded and operators are refused, so what the scenario says is
 * exactly the argv that is executed.
 */
export function splitCommand(command: string): string[] {
  // Returning the variable's own spelling keeps `$HOME` literal: expansion is the shell's job.
  const tokens = shellParse(command, (key) => `$${key}`);
  const argv: string[] = [];
  for (const token of tokens) {
    if (typeof token === 'string') {
      argv.push(token);
      continue;
    }
    if ('comment' in token) break;
    const op = 'op' in token ? token.op : String(token);
    throw new Error(`shell syntax "${op === 'glob' && 'pattern' in token ? token.pattern : op}" is not supported (no shell runs the command); write the argv as an array, e.g. [sh, -c, "…"]`);
  }
  return argv;
}

/**
 * The executable a command runs: a name with a slash is taken relative to `cwd`, a bare name is
 * looked up on PATH (the one the child will get). Throws an error naming the command, so a
 * missing binary is a scenario error before anything starts rather than a crash after.
 */
export function resolveExecutable(program: string, cwd: string, envPath: string | undefined = process.env.PATH): string {
  const candidates = program.includes('/')
    ? [path.resolve(cwd, program)]
    : (envPath ?? '').split(path.delimiter).filter((dir) => dir !== '').map((dir) => path.resolve(cwd, dir, program));
  for (const file of candidates) {
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not there or not executable: try the next
    }
  }
  if (program.includes('/')) throw new Error(`command "${program}": ${candidates[0]} does not exist or is not an executable file`);
  throw new Error(`command "${program}": not found on PATH (${envPath ?? 'PATH is not set'})`);
}

/** The working directory of a started process: `cwd` relative to the scenario file's folder. */
function resolveCwd(spec: Pick<ProcessProbeSpec, 'cwd'>, baseDir: string): string {
  const dir = path.resolve(baseDir, spec.cwd ?? '.');
  let ok = false;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new Error(`cwd "${spec.cwd}": ${dir} is not a directory`);
  return dir;
}

/**
 * Load-time checks that need the file system: the working directory exists and the program
 * resolves. Returns the absolute path of the executable. Errors name the key.
 */
export function checkProcessProbe(spec: ProcessProbeSpec, baseDir: string): { cwd: string; executable: string } | undefined {
  if (!spec.command) return undefined;
  const cwd = resolveCwd(spec, baseDir);
  const envPath = spec.env.PATH ?? process.env.PATH;
  return { cwd, executable: resolveExecutable(spec.command[0]!, cwd, envPath) };
}

/** The environment variables `simulator:` exports, from a running simulator's endpoints. */
export function simulatorEnv(simulator: 'binance' | 'bitunix' | undefined, endpoints: Record<string, string> | undefined): Record<string, string> {
  if (!simulator || !endpoints) return {};
  const names: Record<string, string> =
    simulator === 'binance'
      ? { ws: 'EXSOAK_BINANCE_WS', rest: 'EXSOAK_BINANCE_REST' }
      : { rest: 'EXSOAK_BITUNIX_REST', wsPublic: 'EXSOAK_BITUNIX_WS_PUBLIC', wsPrivate: 'EXSOAK_BITUNIX_WS_PRIVATE' };
  const env: Record<string, string> = {};
  for (const [key, name] of Object.entries(names)) if (endpoints[key]) env[name] = endpoints[key]!;
  return env;
}
