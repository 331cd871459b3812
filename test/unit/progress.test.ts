import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Bus } from '../../src/bus/bus.ts';
import { Progress } from '../../src/progress/progress.ts';
import { makeSample as sample } from '../helpers/samples.ts';

const MB = 1024 * 1024;


test('off a terminal: one plain report line per period, with orders, errors, memory peak/average and leak warnings', () => {
  const written: string[] = [];
  const out = new Writable({ write(chunk, _e, done) { written.push(String(chunk)); done(); } }) as unknown as NodeJS.WriteStream;
  const bus = new Bus();
  const t0 = 1_000_000;
  new Progress({ bus, out, durationMs: 8 * 3_600_000, startedAt: t0, everyMs: 3_600_000, color: false });
  for (let i = 1; i <= 2 * 60; i++) {
    const t = t0 + i * 60_000;
    bus.emit('sample', sample('bitunix', t, { counters: { 'orders.placed': i, 'orders.modified': 2 * i, 'orders.cancelled': 0, errors: i > 60 ? 1 : 0, ws_reconnects: 0 } }));
    bus.emit('sample', sample('process', t, { rss: (i === 30 ? 200 : 150) * MB }));
    if (i === 90) bus.emit('event', { t, probe: 'bitunix', kind: 'leak', data: { status: 'suspected' } });
  }
  const lines = written.join('').trim().split('\n');
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[0]!, /^1h00m\/8h00m/);
  assert.match(lines[1]!, /orders 120\/240\/0 \(placed\/modified\/cancelled\)/);
  assert.match(lines[1]!, /errors 1/);
  assert.match(lines[1]!, /rss 150MB \(peak 200, avg 150\)/);
  assert.match(lines[1]!, /bitunix leak suspected/);
  assert.ok(lines.every((l) => !l.includes('\u001b[')), 'no colour off a terminal');
});
