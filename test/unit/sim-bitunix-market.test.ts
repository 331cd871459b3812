import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RateLimiter } from '../../src/sim/bitunix/limits.ts';
import { formatScaled, Market, parseScaled } from '../../src/sim/bitunix/market.ts';

function walk(seed: number, symbols: string[], steps: number): number[][] {
  const market = new Market(seed, symbols);
  const out: number[][] = [symbols.map((s) => market.price(s))];
  for (let i = 0; i < steps; i++) {
    market.step();
    out.push(symbols.map((s) => market.price(s)));
  }
  return out;
}

describe('Bitunix simulator market', () => {
  test('the same seed gives the same walk; another seed another walk', () => {
    const a = walk(7, ['BTCUSDT', 'ETHUSDT'], 200);
    assert.deepEqual(walk(7, ['BTCUSDT', 'ETHUSDT'], 200), a);
    assert.notDeepEqual(walk(8, ['BTCUSDT', 'ETHUSDT'], 200), a);
  });

  test("a symbol's walk does not depend on which other symbols are simulated", () => {
    const both = walk(3, ['BTCUSDT', 'ETHUSDT'], 50).map((row) => row[1]);
    const alone = walk(3, ['ETHUSDT'], 50).map((row) => row[0]);
    assert.deepEqual(alone, both);
  });

  test('the default walk is small: 0.05 % from the start is rarely reached within a minute of 1 s steps', () => {
    let reached = 0;
    const runs = 200;
    for (let seed = 1; seed <= runs; seed++) {
      const market = new Market(seed, ['BTCUSDT']);
      const start = market.price('BTCUSDT');
      for (let i = 0; i < 60; i++) {
        market.step();
        if (Math.abs(market.price('BTCUSDT') / start - 1) >= 0.0005) {
          reached++;
          break;
        }
      }
    }
    assert.ok(reached <= runs * 0.02, `0.05 % reached in ${reached} of ${runs} minutes`);
  });

  test('depth: N levels a side, bids descending below asks ascending, one tick apart at the touch', () => {
    const market = new Market(1, ['BTCUSDT']);
    const { b, a } = market.depth('BTCUSDT', 5);
    assert.equal(b.length, 5);
    assert.equal(a.length, 5);
    const bids = b.map(([p]) => Number(p));
    const asks = a.map(([p]) => Number(p));
    assert.deepEqual([...bids].sort((x, y) => y - x), bids);
    assert.deepEqual([...asks].sort((x, y) => x - y), asks);
    assert.ok(Math.abs(asks[0]! - bids[0]! - 0.1) < 1e-9);
    assert.ok(b.every(([, q]) => Number(q) > 0));
  });

  test('ticker carries the documented fields as strings', () => {
    const market = new Market(1, ['ETHUSDT']);
    market.step();
    const t = market.ticker('ETHUSDT');
    for (const key of ['s', 'o', 'h', 'l', 'la', 'b', 'q', 'r']) assert.equal(typeof t[key], 'string', key);
    assert.ok(Number(t.h) >= Number(t.la) && Number(t.la) >= Number(t.l));
  });

  test('scaled decimals: parse refuses extra precision, format strips zeros', () => {
    assert.equal(parseScaled('0.0001', 4), 1);
    assert.equal(parseScaled('60000.5', 1), 600005);
    assert.equal(parseScaled('1.23', 1), undefined);
    assert.equal(parseScaled('1.20', 1), 12);
    assert.equal(parseScaled('-1', 1), undefined);
    assert.equal(parseScaled('1e3', 1), undefined);
    assert.equal(formatScaled(600005, 1), '60000.5');
    assert.equal(formatScaled(600000, 1), '60000');
    assert.equal(formatScaled(10, 4), '0.001');
  });
});

describe('RateLimiter', () => {
  test('allows the documented rate in any rolling second and no more', () => {
    const limiter = new RateLimiter();
    let allowed = 0;
    for (let i = 0; i < 12; i++) if (limiter.allow('trade/place_order', 1_000 + i)) allowed++;
    assert.equal(allowed, 10);
    assert.equal(limiter.allow('trade/cancel_orders', 1_000), true);
    for (let i = 0; i < 4; i++) limiter.allow('trade/cancel_orders', 1_001);
    assert.equal(limiter.allow('trade/cancel_orders', 1_002), false);
    assert.equal(limiter.allow('trade/place_order', 2_000), true, 'the window rolls');
  });

  test('overrides accept short or full endpoint names', () => {
    const limiter = new RateLimiter({ '/api/v1/futures/market/depth': 2 });
    assert.equal(limiter.limitOf('market/depth'), 2);
    assert.equal(limiter.limitOf('trade/modify_order'), 10);
  });
});
