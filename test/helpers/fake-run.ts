// Results folders written from formulas, the way the results writer lays them out: for report
// and compare tests that need exact, known figures (real runs are in the integration tests).
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Verdict } from '../../src/bus/verdict.ts';
import { tempDir } from './run.ts';

export const MB = 1024 * 1024;
export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

export interface FakeProbe {
  name: string;
  kind: string;
  /** heap floor in bytes at ms since start */
  floor: (ms: number) => number;
  messagesPerSec?: number;
  /** more cumulative counters at ms since start */
  counters?: (ms: number) => Record<string, number>;
  gauges?: (ms: number) => Record<string, number>;
}

/** Writes a results folder the way the writer does, from formulas. */
export function fakeRun(opts: { probes: FakeProbe[]; seconds: number; intervalMs?: number; verdict?: Partial<Verdict> | null; events?: object[]; dir?: string }): string {
  const dir = opts.dir ?? tempDir('exsoak-report-');
  const interval = opts.intervalMs ?? 1000;
  const end = T0 + opts.seconds * 1000;
  const resolved = { name: 'fake', duration: opts.seconds * 1000, sampleInterval: interval, gcFloorInterval: 2000, target: 'sim', seed: 1, probes: Object.fromEntries(opts.probes.map((p) => [p.name, { kind: p.kind, options: { apiSecret: 'hunter2' } }])) };
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ scenario: 'fake', startedAt: new Date(T0).toISOString(), endedAt: new Date(end).toISOString(), versions: { exsoak: '0.1.0', node: 'v24' }, host: { hostname: 'h', platform: 'linux', arch: 'x64', cpus: 2 }, resolved, injectLeaks: {} }));
  const fd = openSync(path.join(dir, 'samples.ndjson'), 'w');
  let chunk = '';
  for (let ms = interval; ms <= opts.seconds * 1000; ms += interval) {
    const t = T0 + ms;
    for (const p of opts.probes) {
      const floor = p.floor(ms);
      const saw = ((ms / interval) % 7) * 0.3 * MB;
      const counters = {
        ...(p.messagesPerSec !== undefined ? { messages: Math.round((p.messagesPerSec * ms) / 1000), ws_reconnects: ms > 5000 ? 1 : 0 } : {}),
        ...p.counters?.(ms),
      };
      const gauges = p.gauges?.(ms) ?? {};
      chunk += JSON.stringify({ t, probe: p.name, heapUsed: floor + saw, heapTotal: floor + 4 * MB, external: MB, heapLimit: 256 * MB, detachedContexts: 0, heapFloor: ms % 2000 === 0 ? floor : null, heapFloorMajor: ms % 2000 === 0, rss: 150 * MB + ms, cpu: 5, elu: 0.1, threadCpu: 2, counters, gauges }) + '\n';
    }
    chunk += JSON.stringify({ t, probe: 'process', heapUsed: 8 * MB, heapTotal: 12 * MB, external: MB, heapLimit: null, detachedContexts: null, heapFloor: null, heapFloorMajor: false, rss: 150 * MB + ms, cpu: 5, elu: null, threadCpu: null, counters: {}, gauges: {} }) + '\n';
    if (chunk.length > 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  writeSync(fd, chunk);
  closeSync(fd);
  const events = opts.events ?? opts.probes.map((p) => ({ t: T0 + 10, probe: p.name, kind: 'start', data: { kind: p.kind } }));
  writeFileSync(path.join(dir, 'events.ndjson'), events.map((e) => JSON.stringify(e) + '\n').join(''));
  if (opts.verdict !== null) {
    const verdict: Verdict = {
      pass: true,
      scenario: 'fake',
      partial: false,
      reason: 'completed',
      durationMs: opts.seconds * 1000,
      probes: Object.fromEntries(opts.probes.map((p) => [p.name, { pass: true, kind: p.kind, status: 'stopped', criteria: [{ expr: 'heap_floor_mb.growth < 50', value: 1, pass: true }] }])),
      process: { pass: true, criteria: [] },
      ...opts.verdict,
    };
    writeFileSync(path.join(dir, 'verdict.json'), JSON.stringify(verdict));
  }
  return dir;
}

export const flat = (ms: number) => 10 * MB + ((ms / 1000) % 3) * 1024;
export const leaking = (ms: number) => 10 * MB + (ms / 1000) * 100 * 1024; // 100 KB/s

