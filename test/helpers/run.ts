// Runs a scenario given as an object through the real supervisor, into a temporary folder.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { loadScenarios } from '../../src/scenario/load.ts';
import { runSoak, type RunOutcome } from '../../src/supervisor/run.ts';
import type { Sample, ProbeEvent } from '../../src/bus/types.ts';

export function tempDir(prefix = 'exsoak-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function writeScenario(dir: string, scenario: unknown, name = 'scenario.yaml'): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof scenario === 'string' ? scenario : YAML.stringify(scenario));
  return file;
}

export async function runScenario(
  scenario: Record<string, unknown>,
  extra: { injectLeaks?: Record<string, number>; interrupt?: AbortSignal } = {},
): Promise<RunOutcome & { samples: Sample[]; events: ProbeEvent[] }> {
  const dir = tempDir();
  // Tests never take the default metrics port: runs in parallel (and a developer's own soak) would clash.
  const file = writeScenario(dir, { metrics: { port: 0 }, ...scenario });
  const loaded = loadScenarios([file]);
  const outcome = await runSoak({ loaded, out: path.join(dir, 'run'), progress: false, stderrLevel: 'silent', ...extra });
  return { ...outcome, samples: readNdjson(path.join(outcome.dir, 'samples.ndjson')), events: readNdjson(path.join(outcome.dir, 'events.ndjson')) };
}

export function readNdjson<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** Least-squares slope of y over t, in y-units per second. */
export function slopePerSec(points: { t: number; y: number }[]): number {
  const n = points.length;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.y - my);
    den += (p.t - mt) ** 2;
  }
  return (num / den) * 1000;
}
