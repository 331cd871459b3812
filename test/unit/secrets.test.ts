// #24 secrets: one definition of what a secret is (src/shared/secrets.ts), its name rule, its
// value rule and the masking every output path uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SecretScrubber, MaskedFileStream } from '../../src/shared/secret-stream.ts';
import { REDACTED, SecretMask, isSecretName, redactSecretFields, secretValuesIn, secretValuesOfEnv } from '../../src/shared/secrets.ts';
import { tempDir } from '../helpers/run.ts';
import { SECRET_NAMES, envNameOf } from '../helpers/secret-names.ts';

const NOT_SECRET = ['name', 'signals', 'earlySignals', 'design', 'monkey', 'keyframes', 'tokenizer', 'PWD', 'PATH', 'author', 'sampleInterval', 'leak', 'XAUTHORITY', 'orders.placed', 'assign'];

test('#24 secrets: one name rule — every secret-ish name is secret, whatever its case or separators', () => {
  for (const name of SECRET_NAMES) assert.ok(isSecretName(name) && isSecretName(envNameOf(name)), name);
  for (const name of NOT_SECRET) assert.ok(!isSecretName(name), name);
});

test('#24 secrets: known values come from secret-named env vars, never short, numeric or boolean ones', () => {
  const got = secretValuesOfEnv({ BITUNIX_API_KEY: 'AK123456', BITUNIX_API_SECRET: 'SK654321', PATH: '/usr/bin', MY_TOKEN: 'abc', KEY_TIMEOUT: '300000', SIGN_ON: 'false' });
  assert.deepEqual(got.sort(), ['AK123456', 'SK654321']);
  assert.deepEqual(secretValuesIn({ simulators: { bitunix: { apiKey: 'AKabcdef', apiSecret: 'SKabcdef', tickIntervalMs: 5 } }, probes: { bot: { env: { BITUNIX_API_SECRET: 'canary-s3cret', LOG_LEVEL: 'INFO' } } } }).sort(), ['AKabcdef', 'SKabcdef', 'canary-s3cret']);
});

test('#24 secrets: fields with a secret name are redacted, numbers, booleans and objects judged by their own names', () => {
  const scenario = { name: 'x', simulators: { bitunix: { apiKey: 'AKa', apiSecret: 'SKb', tickIntervalMs: 5 } }, probes: { auth: { kind: 'idle', status: 'pass' } }, counters: { 'auth.failures': 3 }, sign: true, keys: ['k1', 'k2'] };
  const red = redactSecretFields(scenario);
  assert.deepEqual(red.simulators.bitunix, { apiKey: REDACTED, apiSecret: REDACTED, tickIntervalMs: 5 });
  assert.deepEqual(red.probes.auth, { kind: 'idle', status: 'pass' }, 'a probe named auth keeps its fields');
  assert.deepEqual(red.counters, { 'auth.failures': 3 });
  assert.equal(red.sign, true);
  assert.deepEqual(red.keys, [REDACTED, REDACTED]);
  assert.equal(scenario.simulators.bitunix.apiSecret, 'SKb', 'the input itself is untouched');
  const cyclic: Record<string, unknown> = { token: 'abcdefgh' };
  cyclic.self = cyclic;
  assert.deepEqual(redactSecretFields(cyclic), { token: REDACTED, self: '[cycle]' });
});

test('#26.11 a known secret value is masked in text, as is, JSON-escaped and HTML-escaped', () => {
  const mask = new SecretMask(['SKsecret"<1>', 'AKkey999', 'short', undefined]);
  assert.deepEqual(mask.values, ['SKsecret"<1>', 'AKkey999']);
  assert.equal(mask.text('got AKkey999 and AKkey999!'), `got ${REDACTED} and ${REDACTED}!`);
  assert.equal(mask.text(JSON.stringify({ v: 'x SKsecret"<1> y' })), `{"v":"x ${REDACTED} y"}`);
  assert.equal(mask.text('<td>SKsecret&quot;&lt;1&gt;</td>'), `<td>${REDACTED}</td>`);
  assert.equal(mask.text('short text'), 'short text');
});

async function scrub(chunks: string[], secrets: string[]): Promise<string> {
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks.map((s) => Buffer.from(s))).pipe(new SecretScrubber(secrets))) out.push(c as Buffer);
  return Buffer.concat(out).toString();
}

test('secrets are masked with same-length stars in a byte stream, also when split across chunks', async () => {
  const text = '{"strings":["SKsecret123","x","abcAKkey999def"]}';
  for (let cut = 1; cut < text.length; cut++) {
    const got = await scrub([text.slice(0, cut), text.slice(cut)], ['SKsecret123', 'AKkey999']);
    assert.equal(got, '{"strings":["***********","x","abc********def"]}', `cut at ${cut}`);
  }
});

test('#26.11 a masked file stream (a process probe\'s stdout log) masks a secret split over writes', async () => {
  const file = path.join(tempDir(), 'p.stdout.log');
  const out = new MaskedFileStream(file, ['SKsecret123']);
  out.write(Buffer.from('line SKsec'));
  out.write(Buffer.from('ret123 end\n'));
  out.end();
  await new Promise((resolve) => out.on('close', resolve));
  assert.equal(readFileSync(file, 'utf8'), 'line *********** end\n');
});

test('#26.12 terminalLine strips escapes and cuts a long line, saying how long it was', async () => {
  const { terminalLine } = await import('../../src/shared/text.ts');
  assert.equal(terminalLine('\u001b[31mred\u001b[0m\tand\nmore\u0007'), 'red and more');
  const long = terminalLine('y'.repeat(3 * 1024 * 1024), 200);
  assert.equal(long, `${'y'.repeat(200)}… [cut; ${3 * 1024 * 1024} characters in all]`);
  assert.equal(terminalLine('😀'.repeat(150), 201).endsWith('😀… [cut; 300 characters in all]'), true, 'never half a surrogate pair');
});

test('#24 secrets: the log redacts secret-named fields at any depth and masks known values in log.ndjson', async () => {
  const { createLogger } = await import('../../src/results/log.ts');
  const { addKnownSecrets } = await import('../../src/shared/secrets.ts');
  addKnownSecrets(['SKlogCanary12345']);
  const file = path.join(tempDir(), 'log.ndjson');
  const log = createLogger({ file, stderrLevel: 'silent' });
  log.info({ apiKey: 'abc', headers: { 'api-key': 'k1', sign: 's1', 'X-MBX-APIKEY': 'k2' }, data: { passphrase: 'p', Authorization: 'Bearer t', count: 3 } }, 'said SKlogCanary12345');
  log.flush();
  const entry = JSON.parse(readFileSync(file, 'utf8').trim()) as Record<string, unknown>;
  assert.equal(entry.apiKey, REDACTED);
  assert.deepEqual(entry.headers, { 'api-key': REDACTED, sign: REDACTED, 'X-MBX-APIKEY': REDACTED });
  assert.deepEqual(entry.data, { passphrase: REDACTED, Authorization: REDACTED, count: 3 });
  assert.equal(entry.msg, `said ${REDACTED}`);
});

test("#26.11 the supervisor's stdout/stderr mask known secrets whoever writes (a worker's console.log)", async () => {
  const { maskProcessOutput } = await import('../../src/shared/secret-stream.ts');
  const { addKnownSecrets } = await import('../../src/shared/secrets.ts');
  const { Writable } = await import('node:stream');
  addKnownSecrets(['SKconsoleCanary999']);
  const got: string[] = [];
  const out = new Writable({ write: (chunk: Buffer, _enc, done) => (got.push(chunk.toString()), done()) }) as unknown as NodeJS.WriteStream;
  maskProcessOutput([out]);
  maskProcessOutput([out]);
  out.write('said SKconsoleCanary999\n');
  out.write(Buffer.from('bytes SKconsoleCanary999\n'));
  out.write(Buffer.from('plain bytes\n'));
  assert.deepEqual(got, [`said ${REDACTED}\n`, `bytes ${REDACTED}\n`, 'plain bytes\n']);
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
