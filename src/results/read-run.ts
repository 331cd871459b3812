// Loads a results folder back from disk for `exsoak report` and `compare`: its files, and its
// verdict.json checked against the schema the writer follows (a wrong type names file and key).
import path from 'node:path';
import type { Verdict } from '../bus/verdict.ts';
import { parseVerdict } from '../bus/verdict-schema.ts';
import { checkResultsFolder, collectRun, readJson, RunReadError, type RunData } from './run-data.ts';

export { RunReadError, type RunData, floorPoints, messageRates } from './run-data.ts';

export function readRun(dir: string, overrides: { verdict?: Verdict; run?: Record<string, unknown> } = {}): RunData {
  checkResultsFolder(dir);
  const notes: string[] = [];
  const run = overrides.run ?? readJson(path.join(dir, 'run.json'), notes);
  const verdict = overrides.verdict ?? checkedVerdict(path.join(dir, 'verdict.json'), notes);
  return collectRun(dir, { verdict, run, notes });
}

/** verdict.json as the writer's schema describes it; a wrong type names the file and key (exit 2). */
function checkedVerdict(file: string, notes: string[]): Verdict | undefined {
  const raw = readJson(file, notes);
  if (raw === undefined) return undefined;
  const parsed = parseVerdict(raw);
  if (!parsed.ok) throw new RunReadError(`${file}: not a verdict exsoak wrote: ${parsed.problem}`);
  return parsed.verdict;
}
