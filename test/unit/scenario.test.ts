import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { loadScenarios, ScenarioError } from '../../src/scenario/load.ts';
import { checkTargetSafety } from '../../src/scenario/safety.ts';
import { tempDir, writeScenario } from '../helpers/run.ts';

const good = `name: ok
duration: 10s
probes:
  idle: { kind: idle }
`;

test('a valid scenario gets its defaults and units', () => {
  const dir = tempDir();
  const file = writeScenario(dir, `${good}  leaky:\n    kind: leaky\n    options: { rate: 2MB }\n    thresholds: ['heap_floor_mb.growth < 50', { threshold: 'rss_mb.max < 450', abortOnFail: true, delayAbortEval: 5s }]\n`);
  const { scenario, probes } = loadScenarios([file]);
  assert.equal(scenario.duration, 10_000);
  assert.equal(scenario.sampleInterval, 1000);
  assert.equal(scenario.target, 'sim');
  assert.deepEqual(probes.map((p) => p.name), ['idle', 'leaky']);
  assert.equal((probes[1]!.options as { bytesPerSec: number }).bytesPerSec, 2 * 1024 * 1024);
  const [t1, t2] = probes[1]!.spec.thresholds;
  assert.equal(t1!.threshold.metric, 'heap_floor_mb');
  assert.deepEqual([t2!.abortOnFail, t2!.delayAbortEvalMs], [true, 5000]);
});

test('bad scenarios: the message names the file, the key path and what was expected', () => {
  const cases: [string, string, RegExp][] = [
    ['malformed YAML', 'name: x\nduration: [1, 2\n', /not valid YAML/],
    ['unknown key', `${good}colour: blue\n`, /\(top level\): unknown key\(s\) "colour"/],
    ['unknown probe key', `${good.replace('{ kind: idle }', '{ kind: idle, flavour: 1 }')}`, /probes\.idle: unknown key\(s\) "flavour"/],
    ['wrong type', good.replace('duration: 10s', 'duration: { a: 1 }'), /duration: /],
    ['bad duration', good.replace('10s', 'ten seconds'), /duration: expected a duration like "90s"/],
    ['negative duration', good.replace('10s', '-5s'), /duration: expected a duration/],
    ['bad size', `${good}  leaky: { kind: leaky, options: { rate: lots } }\n`, /probes\.leaky\.options\.rate: expected a size/],
    ['bad threshold', `${good}process: { thresholds: ['rss_mb.max <> 450'] }\n`, /process\.thresholds\.0\.threshold: bad threshold expression: expected a number/],
    ['unknown probe kind', good.replace('kind: idle', 'kind: kraken'), /probes\.idle\.kind: unknown probe kind "kraken" \(expected one of .*idle.*\)/],
    ['no probes', 'name: x\nduration: 1s\nprobes: {}\n', /probes: expected at least one probe/],
    ['duplicate probe name', `${good}  idle: { kind: idle }\n`, /not valid YAML: .*[Mm]ap keys must be unique/],
    ['reserved probe name', good.replace('idle:', 'process:'), /probes\.process: .*reserved/],
    ['not a mapping', '- a\n- b\n', /expected a mapping at the top level/],
    ['unknown metric', good.replace('{ kind: idle }', "{ kind: idle, thresholds: ['drops.unschedueld < 10'] }"), /probes\.idle\.thresholds\.0: unknown metric "drops\.unschedueld" for a idle probe/],
    ['unknown process metric', `${good}process: { thresholds: ['msg_rate.avg > 1'] }\n`, /process\.thresholds\.0: unknown process metric "msg_rate\.avg"/],
  ];
  const dir = tempDir();
  for (const [what, text, message] of cases) {
    const file = writeScenario(dir, text, `${what.replace(/\W+/g, '-')}.yaml`);
    assert.throws(
      () => loadScenarios([file]),
      (err: unknown) => err instanceof ScenarioError && err.message.includes(file) && message.test(err.message),
      what,
    );
  }
  assert.throws(() => loadScenarios([path.join(dir, 'missing.yaml')]), /missing\.yaml: cannot read scenario file \(no such file\)/);
});

test('several files run as one: probes merged, duplicate names across files rejected', () => {
  const dir = tempDir();
  const a = writeScenario(dir, good, 'a.yaml');
  const b = writeScenario(dir, 'name: b\nduration: 20s\nprobes:\n  other: { kind: idle }\n', 'b.yaml');
  const merged = loadScenarios([a, b]);
  assert.equal(merged.scenario.name, 'ok+b');
  assert.equal(merged.scenario.duration, 20_000);
  assert.deepEqual(merged.probes.map((p) => p.name), ['idle', 'other']);
  assert.throws(() => loadScenarios([a, a]), /probes\.idle: duplicate probe name/);
  assert.equal(loadScenarios([a, b], { duration: 3000 }).scenario.duration, 3000);
});

test('live Bitunix needs consent and keys; BITUNIX_USE_TESTNET never reaches mainnet', () => {
  const fake = { scenario: { target: 'live' }, probes: [{ name: 'bitunix', kind: 'bitunix', venue: 'bitunix' }] } as never;
  assert.throws(() => checkTargetSafety(fake, { allowMainnet: false, env: {} }), /--allow-mainnet/);
  assert.throws(() => checkTargetSafety(fake, { allowMainnet: true, env: {} }), /BITUNIX_API_KEY/);
  assert.throws(() => checkTargetSafety(fake, { allowMainnet: true, env: { BITUNIX_USE_TESTNET: 'true', BITUNIX_API_KEY: 'k', BITUNIX_API_SECRET: 's' } }), /no testnet/);
  assert.doesNotThrow(() => checkTargetSafety(fake, { allowMainnet: true, env: { BITUNIX_API_KEY: 'k', BITUNIX_API_SECRET: 's' } }));
  const sim = { scenario: { target: 'sim' }, probes: [{ name: 'bitunix', kind: 'bitunix', venue: 'bitunix' }] } as never;
  assert.doesNotThrow(() => checkTargetSafety(sim, { allowMainnet: false, env: {} }));
});

test("the README's scenario example is a valid scenario", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /```yaml\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README has a yaml block');
  const file = writeScenario(tempDir(), block[1]!);
  const { scenario, probes } = loadScenarios([file]);
  assert.equal(scenario.name, 'quick');
  assert.equal(probes[0]!.kind, 'leaky');
});

test('every ready scenario in scenarios/ loads', () => {
  const dir = new URL('../../scenarios/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 5);
  for (const f of files) assert.doesNotThrow(() => loadScenarios([path.join(dir.pathname, f)]), f);
});
