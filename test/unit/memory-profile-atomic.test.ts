import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AtomicJsonArrayFile } from '../../src/results/atomic-json-array.ts';
import { ResultsWriter } from '../../src/results/writer.ts';
import { Bus } from '../../src/bus/bus.ts';
import { makeSample } from '../helpers/samples.ts';

const MB = 1024 * 1024;

test('the memory profile is valid JSON at every moment: a reader in another thread never sees half a file', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'exsoak-profile-'));
  const file = path.join(dir, 'p_soak_memory_profile.json');
  try {
    // No pacing: every push is a rewrite, the hardest case for a reader.
    const profile = new AtomicJsonArrayFile(file, { budget: 1e9, bytesPerSec: 1e15 });
    const reader = new Worker(
      `const { readFileSync } = require('node:fs');
       const { parentPort, workerData } = require('node:worker_threads');
       let reads = 0, bad = 0, last = 0, shrank = 0;
       parentPort.on('message', () => parentPort.postMessage({ reads, bad, last, shrank }));
       (function loop() {
         for (let i = 0; i < 200; i++) {
           try {
             const n = JSON.parse(readFileSync(workerData, 'utf8')).length;
             if (n < last) shrank++;
             last = n;
           } catch { bad++; }
           reads++;
         }
         setImmediate(loop);
       })();`,
      { eval: true, workerData: file },
    );
    for (let i = 0; i < 3000; i++) profile.push({ timestamp: 1_700_000_000 + i, rss_mb: 100 + i / 1000, pad: 'x'.repeat(200) });
    profile.close();
    const stats = await new Promise<{ reads: number; bad: number; last: number; shrank: number }>((resolve) => {
      reader.once('message', resolve);
      reader.postMessage('report');
    });
    await reader.terminate();
    assert.ok(stats.reads > 50, `the reader read while the file was rewritten (${stats.reads} reads)`);
    assert.equal(stats.bad, 0, 'every read parsed');
    assert.equal(stats.shrank, 0, 'a reader never sees an older version after a newer one');
    const final = JSON.parse(readFileSync(file, 'utf8')) as { timestamp: number }[];
    assert.equal(final.length, 3000);
    assert.deepEqual(final.slice(0, 2).map((e) => e.timestamp), [1_700_000_000, 1_700_000_001]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the profile rewrite is paced by its own cost and size, and close() writes what is pending', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'exsoak-profile-'));
  const file = path.join(dir, 'p.json');
  try {
    let clock = 0;
    // 1 KB/s of rewriting allowed: once the file passes 1 KB, a rewrite waits about size/1 KB seconds.
    const profile = new AtomicJsonArrayFile(file, { budget: 1, bytesPerSec: 1024, now: () => clock });
    const read = () => (JSON.parse(readFileSync(file, 'utf8')) as unknown[]).length;
    assert.equal(read(), 0, 'an empty array from the start');
    profile.push({ i: 0, pad: 'x'.repeat(600) });
    assert.equal(read(), 1, 'the first entry is written at once');
    clock += 100;
    profile.push({ i: 1, pad: 'x'.repeat(600) });
    assert.equal(read(), 1, 'too soon after a ~600-byte rewrite at 1 KB/s');
    clock += 1000;
    profile.push({ i: 2, pad: 'x'.repeat(600) });
    assert.equal(read(), 3, 'due again: both pending entries written');
    profile.push({ i: 3 });
    assert.equal(read(), 3);
    profile.close();
    assert.equal(read(), 4, 'close() writes the rest');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('profile entries: timestamp in epoch seconds like the seed\'s time.time(), the ISO time beside it', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'exsoak-profile-'));
  try {
    const bus = new Bus();
    const writer = new ResultsWriter(dir, bus, ['binance'], (err) => assert.fail(err));
    const t = Date.UTC(2026, 10, 22, 10, 15, 0, 500);
    bus.emit('sample', makeSample('binance', t, { rss: 150 * MB, heapUsed: 20 * MB }));
    const mid = JSON.parse(readFileSync(path.join(dir, 'binance_soak_memory_profile.json'), 'utf8')) as Record<string, unknown>[];
    assert.equal(mid.length, 1, 'valid JSON with the entry before close()');
    writer.close();
    const [entry] = JSON.parse(readFileSync(path.join(dir, 'binance_soak_memory_profile.json'), 'utf8')) as Record<string, unknown>[];
    assert.equal(entry!.timestamp, t / 1000);
    assert.equal(entry!.time, '2026-11-22T10:15:00.500Z');
    assert.equal(entry!.rss_mb, 150);
    assert.equal(entry!.heap_used_mb, 20);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
