import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pacer, type Outgoing } from '../../src/exchanges/binance/pacer.ts';

function maxInWindow(times: number[], windowMs: number): number {
  let worst = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    worst = Math.max(worst, i - j + 1);
  }
  return worst;
}

test('pacer: a burst of requests leaves evenly spaced, at most `limit` per window, in order', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const sent: { at: number; frame: Outgoing }[] = [];
  const pacer = new Pacer(5, 1_000, (frame) => sent.push({ at: Date.now(), frame }), () => Date.now());
  for (let i = 0; i < 23; i++) pacer.send(`req ${i}`);
  assert.equal(sent.length, 1, 'the first goes at once, the rest wait their turn');
  assert.equal(pacer.pending, 22);
  for (let step = 0; step < 1_000 && pacer.pending > 0; step++) t.mock.timers.tick(10);
  assert.equal(pacer.pending, 0);
  assert.equal(sent.length, 23);
  assert.deepEqual(
    sent.map((s) => (s.frame.kind === 'text' ? s.frame.text : '')),
    Array.from({ length: 23 }, (_, i) => `req ${i}`),
  );
  for (let i = 1; i < sent.length; i++) assert.ok(sent[i]!.at - sent[i - 1]!.at >= 200, `gap ${i}`);
  assert.equal(maxInWindow(sent.map((s) => s.at), 1_000), 5);
  assert.equal(pacer.sent, 23);
});

test('pacer: pongs jump queued requests but still count against the budget', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const sent: { at: number; frame: Outgoing }[] = [];
  const pacer = new Pacer(4, 1_000, (frame) => sent.push({ at: Date.now(), frame }), () => Date.now());
  for (let i = 0; i < 10; i++) pacer.send(`req ${i}`);
  for (let step = 0; step < 60; step++) t.mock.timers.tick(10);
  assert.equal(sent.length, 3, 'one every 250 ms: at 0, 250 and 500');
  pacer.pong(Buffer.from('p1'));
  pacer.pong(Buffer.from('p2'));
  for (let step = 0; step < 1_000 && pacer.pending > 0; step++) t.mock.timers.tick(10);
  const kinds = sent.map((s) => (s.frame.kind === 'pong' ? `pong ${s.frame.data.toString()}` : s.frame.text));
  assert.deepEqual(kinds.slice(3, 5), ['pong p1', 'pong p2'], 'pongs next once a slot frees, in arrival order');
  assert.equal(kinds.length, 12);
  assert.equal(maxInWindow(sent.map((s) => s.at), 1_000), 4, 'pongs included, never over the limit');
});

test('pacer: dispose drops the queue and its timer', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const sent: Outgoing[] = [];
  const pacer = new Pacer(1, 1_000, (frame) => sent.push(frame), () => Date.now());
  pacer.send('a');
  pacer.send('b');
  pacer.dispose();
  t.mock.timers.tick(5_000);
  pacer.send('c');
  assert.equal(sent.length, 1);
  assert.equal(pacer.pending, 0);
});
