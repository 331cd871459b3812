import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  BitunixCredentials,
  CredentialsError,
  canonicalQuery,
  makeNonce,
  restSignature,
  wsLoginSignature,
} from '../../src/exchanges/bitunix/signer.ts';

test('REST signature matches the official vector (Go demo test)', () => {
  const sign = restSignature(
    {
      apiKey: '11111111111111111',
      nonce: '33333333333333333',
      timestamp: '1747104711262',
      queryParams: 'marginCoinUSDT',
      body: '',
    },
    '22222222222222222',
  );
  assert.equal(sign, '40e87256554e263e39201a3979469b7fbb640d1c7c41759abf5c6a18f937f922');
});

test('credentials sign the official vector too, from a query object', () => {
  const creds = new BitunixCredentials('11111111111111111', '22222222222222222');
  const sign = creds.signRest({
    nonce: '33333333333333333',
    timestamp: '1747104711262',
    queryParams: canonicalQuery({ marginCoin: 'USDT' }),
    body: '',
  });
  assert.equal(sign, '40e87256554e263e39201a3979469b7fbb640d1c7c41759abf5c6a18f937f922');
});

test('POST signs the exact body bytes with empty queryParams (vector computed with Python hashlib)', () => {
  const body = '{"symbol":"BTCUSDT","qty":"0.5"}';
  assert.equal(
    restSignature({ apiKey: 'key', nonce: 'n1', timestamp: '1700000000000', queryParams: '', body }, 'sec'),
    'c9f6563c0f91fe2c57a0586198d95754533c8df059eec3e1ad011ca39629483b',
  );
});

test('WS login signature: sha256(sha256(nonce + ts seconds + apiKey) + secret)', () => {
  assert.equal(
    wsLoginSignature('33333333333333333', '1747104711', '11111111111111111', '22222222222222222'),
    '85b4bd185580091fe7c5b56b3632a60cb7e5f73e20168e573f61afe56db04998',
  );
});

test('queryParams: keys sorted by ASCII, key+value, no separators, no encoding, undefined dropped', () => {
  assert.equal(canonicalQuery({ uid: 200, id: 1 }), 'id1uid200');
  // Upper case sorts before lower case in ASCII (localeCompare would not).
  assert.equal(canonicalQuery({ b: 'x', B: 'y', a: 'z' }), 'Byazbx');
  assert.equal(canonicalQuery({ symbols: 'BTCUSDT,ETHUSDT', skip: undefined }), 'symbolsBTCUSDT,ETHUSDT');
  assert.equal(canonicalQuery({}), '');
});

test('nonce: 32 alphanumeric characters, different every time', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const nonce = makeNonce();
    assert.match(nonce, /^[A-Za-z0-9]{32}$/);
    seen.add(nonce);
  }
  assert.equal(seen.size, 200);
});

test('the secret is not reachable through JSON, inspect, keys, toString or structured clone', () => {
  const secret = 'S3CR3T-very-secret-value';
  const creds = new BitunixCredentials('my-api-key-123', secret);
  const views = [
    JSON.stringify(creds),
    JSON.stringify({ nested: { creds } }),
    inspect(creds, { showHidden: true, depth: 10 }),
    inspect({ creds }, { showHidden: true, depth: 10 }),
    String(creds),
    `${creds}`,
    Object.keys(creds).join(','),
    Object.getOwnPropertyNames(creds).join(','),
    JSON.stringify(Object.getOwnPropertyDescriptors(creds)),
    JSON.stringify(structuredClone({ ...creds })),
  ];
  for (const view of views) assert.ok(!view.includes(secret), `secret leaked in: ${view}`);
  // The key itself is redacted in printable forms as well.
  assert.ok(!JSON.stringify(creds).includes('my-api-key-123'));
  assert.ok(!inspect(creds).includes('my-api-key-123'));
  // …but signing still works.
  assert.match(creds.signWsLogin('n', '1'), /^[0-9a-f]{64}$/);
});

test('credentials come from BITUNIX_API_KEY / BITUNIX_API_SECRET', () => {
  assert.equal(BitunixCredentials.fromEnv({}), undefined);
  assert.equal(BitunixCredentials.fromEnv({ BITUNIX_API_KEY: 'k' }), undefined);
  const creds = BitunixCredentials.fromEnv({ BITUNIX_API_KEY: 'k', BITUNIX_API_SECRET: 's' });
  assert.equal(creds?.apiKey, 'k');
  assert.throws(() => new BitunixCredentials('', 's'), CredentialsError);
  assert.throws(() => new BitunixCredentials('k', '  '), CredentialsError);
});
