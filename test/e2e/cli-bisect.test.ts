import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { tempDir, writeScenario } from '../helpers/run.ts';

test('bisect runs each probe alone and together and ranks the leaking one first', async () => {
  const dir = tempDir();
  const file = writeScenario(
    dir,
    `name: bis
duration: 1h
nominalDuration: 24h
sampleInterval: 250ms
gcFloorInterval: 250ms
leak: { warmup: 1s }
probes:
  idle: { kind: idle }
  leaky: { kind: leaky, options: { rate: 0 }, injectLeak: 20MB/min }
`,
  );
  const res = await runCli(['bisect', file, '--duration', '5s', '--json', '--out', path.join(dir, 'bisect')], { timeoutMs: 90_000 });
  assert.equal(res.code, 0, res.stderr);
  const rows = JSON.parse(res.stdout) as { variant: string; probe: string; lowMbPerH: number; status: string }[];
  assert.deepEqual([...new Set(rows.map((r) => r.variant))].sort(), ['all together', 'idle alone', 'leaky alone']);
  assert.equal(rows[0]!.probe, 'leaky');
  assert.equal(rows[1]!.probe, 'leaky');
  assert.ok(rows[0]!.lowMbPerH > 100, JSON.stringify(rows[0]));
  const idleRows = rows.filter((r) => r.probe === 'idle');
  assert.ok(idleRows.every((r) => r.status !== 'confirmed' && r.status !== 'suspected'), JSON.stringify(idleRows));
  assert.match(res.stderr, /rank\s+variant\s+probe\s+slope MB\/h/);
});
