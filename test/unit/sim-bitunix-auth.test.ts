import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalQuery, NonceStore, restSign, Verifier, wsLoginSign } from '../../src/sim/bitunix/auth.ts';
import { docLoginSign, docQuery, docSign } from '../helpers/sim-bitunix.ts';

// The official vector from BitunixOfficial/open-api (Go demo signing test).
const VECTOR = {
  apiKey: '11111111111111111',
  secret: '22222222222222222',
  nonce: '33333333333333333',
  timestamp: '1747104711262',
  sign: '40e87256554e263e39201a3979469b7fbb640d1c7c41759abf5c6a18f937f922',
};

describe('Bitunix simulator signing', () => {
  test('the simulator signer reproduces the official vector', () => {
    const sign = restSign({
      nonce: VECTOR.nonce,
      timestamp: VECTOR.timestamp,
      apiKey: VECTOR.apiKey,
      queryParams: canonicalQuery([['marginCoin', 'USDT']]),
      body: '',
      secret: VECTOR.secret,
    });
    assert.equal(sign, VECTOR.sign);
  });

  test('the test helper signer reproduces the official vector too', () => {
    assert.equal(docSign(VECTOR.nonce, VECTOR.timestamp, VECTOR.apiKey, docQuery({ marginCoin: 'USDT' }), '', VECTOR.secret), VECTOR.sign);
  });

  test('the verifier accepts the official vector at its own time and refuses one changed byte', () => {
    const now = Number(VECTOR.timestamp);
    const make = () => new Verifier({ apiKey: VECTOR.apiKey, apiSecret: VECTOR.secret }, () => 60_000, new NonceStore(121_000));
    const headers = { apiKey: VECTOR.apiKey, nonce: VECTOR.nonce, timestamp: VECTOR.timestamp, sign: VECTOR.sign };
    assert.equal(make().verifyRest(headers, 'marginCoinUSDT', '', now), undefined);
    assert.equal(make().verifyRest({ ...headers, sign: VECTOR.sign.replace(/^4/, '5') }, 'marginCoinUSDT', '', now)?.code, 10007);
    assert.equal(make().verifyRest(headers, 'marginCoinUSDC', '', now)?.code, 10007);
    // Upper-case hex is not what the docs specify.
    assert.equal(make().verifyRest({ ...headers, sign: VECTOR.sign.toUpperCase() }, 'marginCoinUSDT', '', now)?.reason, 'signature');
  });

  test('query params: ASCII key order, key+value, no separators, decoded values', () => {
    assert.equal(canonicalQuery([['symbol', 'BTCUSDT'], ['limit', '5'], ['Zed', '1']]), 'Zed1limit5symbolBTCUSDT');
    assert.equal(canonicalQuery(new URLSearchParams('symbols=BTCUSDT%2CETHUSDT&id=1')), 'id1symbolsBTCUSDT,ETHUSDT');
    assert.equal(canonicalQuery([]), '');
  });

  test('the WS login sign is sha256(sha256(nonce+timestamp+apiKey)+secret)', () => {
    const expected = docLoginSign('n', '1747104711', 'k', 's');
    assert.equal(wsLoginSign({ nonce: 'n', timestamp: '1747104711', apiKey: 'k', secret: 's' }), expected);
    // Pinned with coreutils: printf n1747104711k | sha256sum, then the hex + 's' again.
    assert.equal(expected, '590ff33554644ca6f0bc296cb327e5883460bdeb022087a1a352504fda57f7c8');
  });

  test('verifier reasons: missing key, missing header, unknown key, stale and future timestamp, replay', () => {
    const now = 1_700_000_000_000;
    const v = new Verifier({ apiKey: 'k', apiSecret: 's' }, () => 5_000, new NonceStore(11_000));
    const signed = (nonce: string, ts: number) => ({ apiKey: 'k', nonce, timestamp: String(ts), sign: docSign(nonce, String(ts), 'k', '', '{}', 's') });
    assert.equal(v.verifyRest({ ...signed('a', now), apiKey: undefined }, '', '{}', now)?.code, 10003);
    assert.equal(v.verifyRest({ ...signed('a', now), nonce: undefined }, '', '{}', now)?.reason, 'missing-header');
    assert.equal(v.verifyRest({ ...signed('a', now), apiKey: 'other' }, '', '{}', now)?.reason, 'unknown-key');
    assert.equal(v.verifyRest(signed('b', now - 6_000), '', '{}', now)?.reason, 'timestamp');
    assert.equal(v.verifyRest(signed('c', now + 6_000), '', '{}', now)?.reason, 'timestamp');
    assert.equal(v.verifyRest(signed('d', now - 4_000), '', '{}', now), undefined);
    assert.equal(v.verifyRest(signed('d', now - 4_000), '', '{}', now)?.reason, 'nonce');
  });

  test('a bad signature does not burn the nonce', () => {
    const now = 1_700_000_000_000;
    const v = new Verifier({ apiKey: 'k', apiSecret: 's' }, () => 5_000, new NonceStore(11_000));
    const good = { apiKey: 'k', nonce: 'n1', timestamp: String(now), sign: docSign('n1', String(now), 'k', '', '', 's') };
    assert.equal(v.verifyRest({ ...good, sign: '0'.repeat(64) }, '', '', now)?.reason, 'signature');
    assert.equal(v.verifyRest(good, '', '', now), undefined);
  });

  test('WS login accepts seconds and milliseconds, and refuses both when stale', () => {
    const now = 1_700_000_000_000;
    const v = new Verifier({ apiKey: 'k', apiSecret: 's' }, () => 5_000, new NonceStore(11_000));
    const args = (nonce: string, timestamp: number | string) => ({ apiKey: 'k', nonce, timestamp, sign: docLoginSign(nonce, String(timestamp), 'k', 's') });
    assert.equal(v.verifyLogin(args('s1', Math.floor(now / 1000)), now), undefined);
    assert.equal(v.verifyLogin(args('m1', now), now), undefined);
    assert.equal(v.verifyLogin(args('m2', String(now)), now), undefined);
    assert.equal(v.verifyLogin(args('s2', Math.floor(now / 1000) - 10), now)?.reason, 'timestamp');
    assert.equal(v.verifyLogin(args('m3', now - 10_000), now)?.reason, 'timestamp');
    assert.equal(v.verifyLogin(args('m1', now), now)?.reason, 'nonce');
    assert.equal(v.verifyLogin({ ...args('x', now), sign: 'f'.repeat(64) }, now)?.reason, 'signature');
  });
});

describe('NonceStore', () => {
  test('forgets nonces after their lifetime, so memory follows the request rate, not the run length', () => {
    const store = new NonceStore(1_000);
    let t = 0;
    for (let i = 0; i < 10_000; i++) {
      t += 10; // 100 requests a second for 100 s
      assert.equal(store.replayed(`n${i}`, t), false);
    }
    assert.ok(store.size <= 101, `store holds ${store.size} nonces`);
    assert.equal(store.replayed('n9999', t + 500), true);
    assert.equal(store.replayed('n9999', t + 2_000), false);
  });

  test('is bounded even under a burst', () => {
    const store = new NonceStore(60_000, 100);
    for (let i = 0; i < 1_000; i++) store.replayed(`n${i}`, 0);
    assert.equal(store.size, 100);
  });
});
