// A Node child with `node: true`: its heap read through the inspector (floor by forced GC) and a
// heap snapshot streamed into a file that parses as V8's snapshot format.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bus } from '../../src/bus/bus.ts';
import type { ProbeEvent } from '../../src/bus/types.ts';
import { processProbeSchema } from '../../src/probes/validation/process.ts';
import { createProcessHost } from '../../src/supervisor/hosts/create.ts';
import { startSimulator, type RunningSimulator } from '../../src/supervisor/simulators.ts';
import { tempDir } from '../helpers/run.ts';
import { waitFor } from '../helpers/wait.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MB = 1024 * 1024;

let sim: RunningSimulator;
before(async () => {
  sim = await startSimulator('binance', { seed: 2, options: { rate: 100 } });
});
after(async () => {
  await sim?.stop();
});

test('node: true reads the child\'s V8 heap and floor through the inspector and snapshots it', async () => {
  const bus = new Bus();
  const events: ProbeEvent[] = [];
  bus.on('event', (e) => events.push(e));
  const resultsDir = tempDir('exsoak-node-child-');
  const spec = processProbeSchema.parse({
    command: [process.execPath, 'examples/node-child/client.mjs'],
    simulator: 'binance',
    node: true,
    events: 'stdout-ndjson',
    env: { LEAK_BYTES: '4096' },
    ready: { line: '"event":"connect"', timeout: '15s' },
  });
  const h = createProcessHost({ name: 'nodechild', bus, spec, baseDir: ROOT, resultsDir, simulatorEndpoints: sim.endpoints, gcFloorIntervalMs: 200 });
  try {
    await h.start();
    assert.equal(h.status, 'running', `${JSON.stringify(h.error)} ${h.exit?.stderrTail.join('\n')}`);
    const first = await waitFor(async () => {
      const r = await h.read(3000);
      return r?.heapFloor ? r : undefined;
    }, { timeoutMs: 15_000, what: 'a heap floor from the inspector' });
    assert.equal(first.heapFloorMajor, true);
    assert.ok(first.heapUsed! > MB && first.heapTotal! >= first.heapUsed!, JSON.stringify(first));
    // The floor follows the retained messages: it rises as the child keeps 4 KB per message.
    const later = await waitFor(async () => {
      const r = await h.read(3000);
      return r?.heapFloor && r.heapFloor > first.heapFloor! + 2 * MB ? r : undefined;
    }, { timeoutMs: 15_000, intervalMs: 250, what: 'the heap floor to rise by 2 MB' });
    assert.ok(later.rss > later.heapFloor!);
    const file = path.join(resultsDir, 'nodechild.heapsnapshot');
    await h.snapshot!(file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const snap = JSON.parse(readFileSync(file, 'utf8')) as { snapshot: { meta: { node_fields: string[] }; node_count: number }; nodes: number[]; strings: string[] };
    assert.ok(snap.snapshot.meta.node_fields.includes('self_size'));
    assert.equal(snap.nodes.length, snap.snapshot.node_count * snap.snapshot.meta.node_fields.length);
    assert.ok(snap.strings.length > 100);
    // The snapshot taker announces snapshots (with their cost); the host only writes the file.
    assert.ok(!events.some((e) => e.kind === 'snapshot'));
    await assert.rejects(h.snapshot!(file), /EEXIST/, 'a snapshot never overwrites a file');
  } finally {
    await h.stop('end of test', 3000);
  }
  assert.equal(h.status, 'stopped');
  assert.equal(h.exit?.code, 0, h.exit?.stderrTail.join('\n'));
});
