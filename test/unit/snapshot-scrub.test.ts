import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { SecretScrubber, knownSecrets } from '../../src/snapshot/scrub.ts';
import { redactScenario, scenarioSecrets } from '../../src/supervisor/redact.ts';

async function scrub(chunks: string[], secrets: string[]): Promise<string> {
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks.map((s) => Buffer.from(s))).pipe(new SecretScrubber(secrets))) out.push(c as Buffer);
  return Buffer.concat(out).toString();
}

test('secrets are masked with same-length stars, also when split across chunks', async () => {
  const text = '{"strings":["SKsecret123","x","abcAKkey999def"]}';
  for (let cut = 1; cut < text.length; cut++) {
    const got = await scrub([text.slice(0, cut), text.slice(cut)], ['SKsecret123', 'AKkey999']);
    assert.equal(got, '{"strings":["***********","x","abc********def"]}', `cut at ${cut}`);
  }
});

test('known secrets come from credential-named env vars and extras, never short values', () => {
  const got = knownSecrets({ BITUNIX_API_KEY: 'AK123456', BITUNIX_API_SECRET: 'SK654321', PATH: '/usr/bin', MY_TOKEN: 'abc' }, ['simsecret1', undefined]);
  assert.deepEqual(got.sort(), ['AK123456', 'SK654321', 'simsecret1']);
});

test('run.json redacts simulator credentials and keeps the rest', () => {
  const scenario = { name: 'x', simulators: { bitunix: { apiKey: 'AKa', apiSecret: 'SKb', tickIntervalMs: 5 } } };
  const red = redactScenario(scenario);
  assert.deepEqual(red.simulators.bitunix, { apiKey: '[redacted]', apiSecret: '[redacted]', tickIntervalMs: 5 });
  assert.equal(scenario.simulators.bitunix.apiSecret, 'SKb', 'the scenario itself is untouched');
  assert.deepEqual(scenarioSecrets(scenario), ['AKa', 'SKb']);
});

test('copyScrubbed masks secrets around its 1 MB chunk boundaries and keeps every byte, the copy 0600', async () => {
  const { copyScrubbed } = await import('../../src/snapshot/scrub-copy.ts');
  const { mkdtempSync, readFileSync, statSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(`${tmpdir()}/scrub-copy-`);
  const secret = 'SKsecret123';
  const chunk = 1024 * 1024;
  // A secret straddling each of the first boundaries at every offset, and one at the very end.
  let text = '';
  for (let shift = 0; shift < secret.length; shift++) {
    text += 'x'.repeat(chunk * (shift + 1) - text.length - shift) + secret;
  }
  text += 'tail' + secret;
  writeFileSync(`${dir}/raw`, text);
  await copyScrubbed(`${dir}/raw`, `${dir}/out`, [secret, 'short']);
  const out = readFileSync(`${dir}/out`, 'utf8');
  assert.equal(out.length, text.length);
  assert.equal(out.includes(secret), false);
  assert.equal(out, text.replaceAll(secret, '*'.repeat(secret.length)));
  assert.equal(statSync(`${dir}/out`).mode & 0o777, 0o600);
  await assert.rejects(copyScrubbed(`${dir}/raw`, `${dir}/out`, [secret]), /EEXIST/);
});
