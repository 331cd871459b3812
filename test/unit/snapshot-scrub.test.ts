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
