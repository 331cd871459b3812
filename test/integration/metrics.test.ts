import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Bus } from '../../src/bus/bus.ts';
import { WorkerHost } from '../../src/supervisor/hosts/worker-host.ts';
import { Sampler } from '../../src/sampling/sampler.ts';
import { startMetrics } from '../../src/metrics/server.ts';
import { parsePromText, promValue, type PromFamily } from '../helpers/prom-text.ts';
import { waitFor } from '../helpers/wait.ts';
import { PER_PROBE } from '../helpers/metrics-contract.ts';

const MB = 1024 * 1024;

function scrape(url: string): Promise<Map<string, PromFamily>> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => {
        try {
          assert.equal(res.statusCode, 200);
          resolve(parsePromText(body));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}


test('/metrics during a real run: every series with probe labels, moving as the probes run, down after they stop', async () => {
  const bus = new Bus();
  const task = { target: 'sim' as const, endpoints: {}, reportIntervalMs: 100, gcFloorIntervalMs: 200, seed: 1 };
  const hosts = [
    new WorkerHost({ name: 'idle', kind: 'idle', bus, resourceLimits: {}, task: { ...task, options: {}, injectLeakBytesPerSec: 0 } }),
    new WorkerHost({ name: 'leaky', kind: 'leaky', bus, resourceLimits: {}, task: { ...task, options: { bytesPerSec: 2 * MB }, injectLeakBytesPerSec: 0 } }),
  ];
  const metrics = await startMetrics({ bus, port: 'any' });
  assert.ok(metrics);
  const sampler = new Sampler(hosts, bus, 150, 100);
  try {
    bus.emit('run:start', {
      scenario: 'metrics-it',
      startedAt: Date.now(),
      durationMs: 10_000,
      nominalDurationMs: 10_000,
      sampleIntervalMs: 150,
      probes: hosts.map((h) => ({ name: h.name, kind: h.kind })),
    });
    for (const h of hosts) h.start();
    sampler.start();

    // First scrape once both workers have reported a full-GC floor.
    const first = await waitFor(
      async () => {
        const f = await scrape(metrics.url);
        const ok = ['idle', 'leaky'].every((p) => (promValue(f, 'exsoak_probe_heap_floor_bytes', { probe: p }) ?? 0) > 0);
        return ok ? f : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: 'heap floors of both probes on /metrics' },
    );
    for (const name of PER_PROBE) {
      const family = first.get(name);
      assert.ok(family, `${name} is exported`);
      for (const probe of ['idle', 'leaky']) assert.ok(family.samples.some((s) => s.labels.probe === probe), `${name}{probe="${probe}"}`);
    }
    for (const probe of ['idle', 'leaky']) {
      assert.equal(promValue(first, 'exsoak_probe_up', { probe }), 1, `${probe} is up`);
      const used = promValue(first, 'exsoak_probe_heap_used_bytes', { probe })!;
      assert.ok(used > 1 * MB && used < 512 * MB, `${probe} heap used ${used} is a plausible worker heap`);
    }
    assert.ok(promValue(first, 'process_memory_rss_bytes')! > 20 * MB);
    assert.ok(first.get('process_cpu_percent'));
    assert.equal(first.get('binance_messages_received_total')!.samples.length, 0, 'no binance probe, no binance series');

    // The leak (2 MB/s) moves leaky's floor; idle's stays put.
    const leakyAt = promValue(first, 'exsoak_probe_heap_floor_bytes', { probe: 'leaky' })!;
    const idleAt = promValue(first, 'exsoak_probe_heap_floor_bytes', { probe: 'idle' })!;
    const later = await waitFor(
      async () => {
        const f = await scrape(metrics.url);
        return promValue(f, 'exsoak_probe_heap_floor_bytes', { probe: 'leaky' })! > leakyAt + 3 * MB ? f : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: "leaky's heap floor to grow by 3 MB on /metrics" },
    );
    const idleLater = promValue(later, 'exsoak_probe_heap_floor_bytes', { probe: 'idle' })!;
    assert.ok(Math.abs(idleLater - idleAt) < 1 * MB, `idle's floor moved ${((idleLater - idleAt) / MB).toFixed(2)} MB`);
    assert.ok(promValue(later, 'exsoak_probe_heap_used_bytes', { probe: 'leaky' })! > promValue(first, 'exsoak_probe_heap_used_bytes', { probe: 'leaky' })!);
    assert.equal(promValue(later, 'exsoak_probe_events_total', { probe: 'leaky', kind: 'start' }), 1);
  } catch (err) {
    await metrics.close();
    throw err;
  } finally {
    await sampler.stop();
    await Promise.all(hosts.map((h) => h.stop('test', 2000)));
  }
  try {
    const after = await scrape(metrics.url);
    for (const probe of ['idle', 'leaky']) {
      assert.equal(promValue(after, 'exsoak_probe_up', { probe }), 0, `${probe} is down after it stopped`);
      assert.equal(promValue(after, 'exsoak_probe_events_total', { probe, kind: 'exit' }), 1);
    }
  } finally {
    await metrics.close();
  }
});
