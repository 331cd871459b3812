import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCEPT, DUPLICATE, GAP, RESET, acceptEvent, newStreamState, overlapReached, seqLow } from '../../src/exchanges/binance/sequence.ts';

const trade = (t: number, E = 1_000 + t) => ({ e: 'trade', E, s: 'BTCUSDT', t, p: '1', q: '1', T: E, m: true });
const depth = (U: number, u: number, pu?: number) => ({ e: 'depthUpdate', E: 1, s: 'BTCUSDT', U, u, pu, b: [], a: [] });

test('trades: duplicates dropped, skipped ids reported as a gap with the missing range', () => {
  const st = newStreamState('btcusdt@trade');
  assert.equal(acceptEvent(st, trade(10), 'spot', 1, false), ACCEPT);
  assert.equal(acceptEvent(st, trade(11), 'spot', 1, false), ACCEPT);
  assert.equal(acceptEvent(st, trade(11), 'spot', 1, false), DUPLICATE);
  assert.equal(acceptEvent(st, trade(9), 'spot', 1, false), DUPLICATE);
  assert.equal(acceptEvent(st, trade(15), 'spot', 1, false), GAP);
  assert.equal(st.gapExpected, 12);
  assert.equal(st.gapGot, 15);
  assert.equal(st.delivered, 3);
  assert.equal(st.duplicates, 2);
  assert.equal(st.gaps, 1);
  assert.equal(st.last, 15);
});

test('a fresh socket whose ids restart below the last is a reset, not a mute stream', () => {
  const st = newStreamState('btcusdt@trade');
  acceptEvent(st, trade(500), 'spot', 1, false);
  assert.equal(acceptEvent(st, trade(3), 'spot', 2, false), RESET);
  assert.equal(acceptEvent(st, trade(4), 'spot', 2, false), ACCEPT);
  // …but in a rotation replay the same thing is a duplicate.
  const r = newStreamState('btcusdt@trade');
  acceptEvent(r, trade(500), 'spot', 1, false);
  assert.equal(acceptEvent(r, trade(499), 'spot', 2, true), DUPLICATE);
  assert.equal(acceptEvent(r, trade(501), 'spot', 2, true), ACCEPT);
});

test('time-keyed streams: repeats pass on one socket, are dropped in a replay', () => {
  const st = newStreamState('btcusdt@kline_1m');
  const k = (E: number) => ({ e: 'kline', E, s: 'BTCUSDT', k: { t: 0, i: '1m' } });
  assert.equal(acceptEvent(st, k(100), 'spot', 1, false), ACCEPT);
  assert.equal(acceptEvent(st, k(100), 'spot', 1, false), ACCEPT);
  assert.equal(acceptEvent(st, k(100), 'spot', 2, true), DUPLICATE);
  assert.equal(acceptEvent(st, k(101), 'spot', 2, true), ACCEPT);
  assert.equal(st.gaps, 0, 'event times are not dense: never a gap');
});

test('spot diff depth chains U to the previous u + 1', () => {
  const st = newStreamState('btcusdt@depth@100ms');
  assert.equal(acceptEvent(st, depth(100, 105), 'spot', 1, false), ACCEPT);
  assert.equal(acceptEvent(st, depth(106, 110), 'spot', 1, false), ACCEPT);
  assert.equal(acceptEvent(st, depth(101, 110), 'spot', 1, false), DUPLICATE);
  assert.equal(acceptEvent(st, depth(112, 115), 'spot', 1, false), GAP);
  assert.equal(seqLow('depth', depth(112, 115), 'spot'), 112);
});

test('USD-M diff depth chains pu to the previous u', () => {
  const st = newStreamState('btcusdt@depth@100ms');
  assert.equal(acceptEvent(st, depth(100, 105, 99), 'usdm', 1, false), ACCEPT);
  // U is not necessarily previous u + 1 on futures: pu is the link.
  assert.equal(acceptEvent(st, depth(120, 130, 105), 'usdm', 1, false), ACCEPT);
  assert.equal(acceptEvent(st, depth(140, 150, 135), 'usdm', 1, false), GAP);
  assert.equal(seqLow('depth', depth(140, 150, 135), 'usdm'), 136);
});

test('overlap: contiguous ids need the old socket at first - 1, others at first itself', () => {
  const t = newStreamState('btcusdt@trade');
  assert.equal(overlapReached(t, 50), true, 'nothing delivered yet: nothing to lose');
  acceptEvent(t, trade(48), 'spot', 1, false);
  assert.equal(overlapReached(t, 50), false);
  acceptEvent(t, trade(49), 'spot', 1, false);
  assert.equal(overlapReached(t, 50), true);
  const b = newStreamState('btcusdt@bookTicker');
  acceptEvent(b, { u: 100, s: 'BTCUSDT', b: '1', B: '1', a: '1', A: '1' }, 'spot', 1, false);
  assert.equal(overlapReached(b, 101), false, 'bookTicker ids are sparse: 100 then 101 proves nothing');
  assert.equal(overlapReached(b, 100), true);
});
