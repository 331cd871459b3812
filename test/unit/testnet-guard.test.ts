// #17 item 7: every usual spelling of "testnet on" stops a live Bitunix run, and the refusal says
// what to do instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTargetSafety } from '../../src/scenario/safety.ts';
import { testnetRequested } from '../../src/probes/testnet-flag.ts';

const live = { scenario: { target: 'live' }, probes: [{ name: 'bitunix', kind: 'bitunix', venue: 'bitunix' }] } as never;
const keys = { BITUNIX_API_KEY: 'k', BITUNIX_API_SECRET: 's' };

test('item 7: BITUNIX_USE_TESTNET in any truthy spelling is refused, even with --allow-mainnet', () => {
  for (const value of ['true', 'TRUE', 'True', '1', 'yes', 'YES', ' on ']) {
    assert.throws(
      () => checkTargetSafety(live, { allowMainnet: true, env: { ...keys, BITUNIX_USE_TESTNET: value } }),
      (err: Error) => {
        assert.match(err.message, /BITUNIX_USE_TESTNET/);
        assert.match(err.message, /Bitunix has no testnet/);
        assert.match(err.message, /--target sim/);
        assert.match(err.message, /--allow-mainnet/);
        return true;
      },
      `value ${JSON.stringify(value)}`,
    );
  }
});

test('item 7: falsy or absent values do not trip the guard', () => {
  for (const value of [undefined, '', 'false', '0', 'no', 'off']) {
    assert.equal(testnetRequested(value), false, `value ${JSON.stringify(value)}`);
    const env = value === undefined ? keys : { ...keys, BITUNIX_USE_TESTNET: value };
    assert.doesNotThrow(() => checkTargetSafety(live, { allowMainnet: true, env }));
  }
});
