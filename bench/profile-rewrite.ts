// What rewriting `<probe>_soak_memory_profile.json` atomically costs as it grows (#17 item 8):
// one flush (kernel copy of the previous version + the new entry + rename) at the sizes a 24 h
// run reaches at 1 s sampling. `node bench/profile-rewrite.ts`; prints median (min–max) ms.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AtomicJsonArrayFile } from '../src/results/atomic-json-array.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'exsoak-profile-'));
const file = path.join(dir, 'p_soak_memory_profile.json');
// A vanishing budget: flush only when told, so the sizes are reached quickly.
const profile = new AtomicJsonArrayFile(file, { budget: 1e-12, bytesPerSec: 1e-12 });
const t0 = Date.now();
const entry = (i: number) => ({ timestamp: (t0 + i * 1000) / 1000, time: new Date(t0 + i * 1000).toISOString(), rss_mb: 172.24 + (i % 100) / 100, heap_used_mb: 17.06, heap_floor_mb: 15.31 });
let i = 0;
const rows: string[] = [];
for (const size of [1_440, 10_000, 43_200, 86_400]) {
  while (profile.length < size - 20) profile.push(entry(i++));
  profile.flush();
  const costs: number[] = [];
  for (let k = 0; k < 20; k++) {
    profile.push(entry(i++));
    profile.flush();
    costs.push(profile.lastFlushMs);
  }
  costs.sort((a, b) => a - b);
  const bytes = statSync(file).size;
  // The writer's pacing: under 1 % of the time and under 1 MB/s of rewriting.
  const every = Math.max(costs[10]! / 0.01 / 1000, bytes / (1024 * 1024));
  rows.push(`${String(profile.length).padStart(6)} entries  ${(bytes / 1024 / 1024).toFixed(1).padStart(5)} MB  flush ${costs[10]!.toFixed(2)} ms (${costs[0]!.toFixed(2)}–${costs.at(-1)!.toFixed(2)})  → rewritten every ${every.toFixed(1)} s`);
}
JSON.parse(readFileSync(file, 'utf8'));
rmSync(dir, { recursive: true, force: true });
console.log(rows.join('\n'));
