// #17 item 4: a blip that drops both Bitunix streams counts once in ws_reconnects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReconnectEpisodes } from '../../src/exchanges/bitunix/reconnect-episodes.ts';

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test('item 4: public and private dropped by one blip count as one reconnect', () => {
  const c = clock();
  const e = new ReconnectEpisodes({ windowMs: 10_000, now: c.now });
  e.dropped('public');
  c.advance(50);
  e.dropped('private');
  c.advance(500);
  assert.equal(e.reopened('public'), true);
  c.advance(200);
  assert.equal(e.reopened('private'), false);
  assert.equal(e.count, 1);
});

test('item 4: a late-noticed drop of the other stream within the window joins the episode', () => {
  const c = clock();
  const e = new ReconnectEpisodes({ windowMs: 10_000, now: c.now });
  e.dropped('public');
  c.advance(300);
  assert.equal(e.reopened('public'), true);
  c.advance(6_000); // the private stream's idle timeout notices the same blip later
  e.dropped('private');
  c.advance(500);
  assert.equal(e.reopened('private'), false);
  assert.equal(e.count, 1);
});

test('item 4: separate blips count separately', () => {
  const c = clock();
  const e = new ReconnectEpisodes({ windowMs: 10_000, now: c.now });
  e.dropped('public');
  assert.equal(e.reopened('public'), true);
  c.advance(60_000);
  e.dropped('public');
  c.advance(100);
  assert.equal(e.reopened('public'), true);
  c.advance(60_000);
  e.dropped('private');
  assert.equal(e.reopened('private'), true);
  assert.equal(e.count, 3);
});

test('item 4: a stream down longer than the window still holds the episode open for the other', () => {
  const c = clock();
  const e = new ReconnectEpisodes({ windowMs: 1_000, now: c.now });
  e.dropped('private');
  c.advance(5_000); // still down, retrying
  e.dropped('public');
  c.advance(100);
  assert.equal(e.reopened('public'), true);
  c.advance(100);
  assert.equal(e.reopened('private'), false);
  assert.equal(e.count, 1);
});
