// The spawned-process host's language runtimes: the registry gives each probe the runtime its
// spec asks for, or NO_RUNTIME, whose evidence is an explicit "no heap" (never a missing method).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processProbeSchema } from '../../src/probes/validation/process.ts';
import { runtimeFor } from '../../src/supervisor/hosts/runtimes/index.ts';
import { NO_RUNTIME } from '../../src/supervisor/hosts/runtimes/runtime.ts';

const ctx = { probe: 'p', log: () => {}, alive: () => true, gcFloorIntervalMs: 1000, event: () => {} };
const launch = { program: 'node', executable: '/usr/bin/node', args: ['app.js'], env: {} };

test('a program no runtime claims is measured from outside only, and says why it has no snapshot', async () => {
  const runtime = runtimeFor(processProbeSchema.parse({ command: ['python3', 'bot.py'] }), ctx);
  assert.equal(runtime, NO_RUNTIME);
  assert.deepEqual(runtime.prepare(launch), launch);
  assert.deepEqual(runtime.evidence(), { supported: false, why: 'the probe has no heap exsoak can read' });
  assert.equal(await runtime.readHeap(100), undefined);
});

test('node: true gets the V8 inspector runtime: --inspect on node itself, NODE_OPTIONS through a wrapper', () => {
  const runtime = runtimeFor(processProbeSchema.parse({ command: ['node', 'app.js'], node: true }), ctx);
  assert.notEqual(runtime, NO_RUNTIME);
  assert.deepEqual(runtime.prepare(launch).args, ['--inspect=127.0.0.1:0', 'app.js']);
  const wrapped = runtime.prepare({ program: 'npm', executable: '/usr/bin/npm', args: ['start'], env: { NODE_OPTIONS: '--max-old-space-size=512' } });
  assert.deepEqual(wrapped.args, ['start']);
  assert.equal(wrapped.env.NODE_OPTIONS, '--max-old-space-size=512 --inspect=127.0.0.1:0');
  assert.equal(runtime.evidence().supported, false, 'no snapshot before the inspector is connected');
  runtime.close();
});
