// `python: true`: the scenario keys refused with their reason (exit 2 through the CLI), and the
// agent's looks turned into culprits the way a reader wants them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processProbeSchema } from '../../src/probes/validation/process.ts';
import { descriptor } from '../../src/probes/process.ts';
import { collapseFrames, pythonCulprits, type PythonSite } from '../../src/snapshot/python-culprits.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir, writeScenario } from '../helpers/run.ts';

function issues(input: unknown): string[] {
  const parsed = processProbeSchema.safeParse(input);
  assert.equal(parsed.success, false, 'expected the spec to be refused');
  return parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

test('python: true is refused with pid (why) and beside node: true; its leak runs on the heap floor', () => {
  assert.match(issues({ pid: 3, python: true }).join('\n'), /^python: not available with "pid": the Python agent is loaded when exsoak starts the program/m);
  assert.match(issues({ command: ['python3', 'x.py'], python: true, node: true }).join('\n'), /^python: expected at most one of "node: true" or "python: true"/m);
  const spec = processProbeSchema.parse({ command: ['python3', 'x.py'], python: true });
  assert.equal(spec.python, true);
  assert.equal(processProbeSchema.parse({ command: ['x'] }).python, false);
  assert.deepEqual(processProbeSchema.parse({ command: ['x'], python: { depth: 16 } }).python, { depth: 16 });
  assert.match(issues({ command: ['x'], python: { depth: 0 } }).join('\n'), /^python\.depth: /m);
  assert.equal(descriptor.leakSeries!({ ...spec, python: { depth: 4 } }), 'heap_floor');
  assert.equal(descriptor.leakSeries!(spec), 'heap_floor');
  assert.equal(descriptor.leakSeries!({ ...spec, python: false }), 'rss');
});

test('exsoak run: python with pid, or with node, is exit 2 naming the key', async () => {
  const dir = tempDir();
  for (const [probe, pattern] of [
    [{ kind: 'process', pid: process.pid, python: true }, /probes\.py\.python: not available with "pid"/],
    [{ kind: 'process', command: ['python3', '-c', 'pass'], python: true, node: true }, /probes\.py\.python: expected at most one of "node: true" or "python: true"/],
  ] as const) {
    const file = writeScenario(dir, { name: 'bad', duration: '2s', probes: { py: probe } });
    const res = await runCli(['run', file, '--out', `${dir}/out`]);
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, pattern);
  }
});

const frames = (...at: [string, PythonSite['frames'][number]['lib']][]) => at.map(([a, lib]) => ({ at: a, lib }));

test('library frames are collapsed into runs in the text but kept in the traceback', () => {
  const f = frames(['json/decoder.py:353', 'stdlib'], ['json/decoder.py:337', 'stdlib'], ['json/__init__.py:346', 'stdlib'], ['bot.py:26', null], ['aiohttp/client.py:9', 'site-packages'], ['bot.py:90', null]);
  assert.deepEqual(collapseFrames(f), ['[stdlib: json/decoder.py:353 +2 more]', 'bot.py:26', '[site-packages: aiohttp/client.py:9]', 'bot.py:90']);
  const site: PythonSite = { site: 'bot.py:26', code: 'msg = json.loads(raw)', sizeDelta: 3 * 1024 * 1024, countDelta: 20_000, size: 4 * 1024 * 1024, count: 25_000, frames: f };
  const holder = { holder: 'Client.seen', type: 'dict', path: ['local client in main() (bot.py:80)', 'Client.seen'], countDelta: 20_000, len: 21_000, sizeBytes: 1_310_800 };
  const small: PythonSite = { ...site, site: 'bot.py:40', sizeDelta: 100 };
  const culprits = pythonCulprits([site, small], [holder]);
  assert.equal(culprits.length, 2, 'growth under 16 KB is churn');
  assert.equal(culprits[0]!.kind, 'holder');
  assert.equal(culprits[0]!.text, 'dict (Client.seen) ← local client in main() (bot.py:80): +20,000 entries (len 21,000, 1.3 MB itself)');
  assert.equal(culprits[0]!.path, 'local client in main() (bot.py:80) → Client.seen → dict');
  assert.equal(culprits[1]!.kind, 'allocation');
  assert.equal(culprits[1]!.location, 'bot.py:26');
  assert.equal(culprits[1]!.text, 'bot.py:26 `msg = json.loads(raw)`: +3.0 MB in +20,000 blocks ← [stdlib: json/decoder.py:353 +2 more] ← [site-packages: aiohttp/client.py:9] ← bot.py:90');
  assert.deepEqual(culprits[1]!.traceback!.slice(0, 4), ['json/decoder.py:353 [stdlib]', 'json/decoder.py:337 [stdlib]', 'json/__init__.py:346 [stdlib]', 'bot.py:26']);
});
