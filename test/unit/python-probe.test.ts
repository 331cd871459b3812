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

test('holders rank by the bytes their new entries hold, a full deque last and said to be bounded', () => {
  const cache = { holder: 'Feed.ids', type: 'set', path: ['Feed.ids'], countDelta: 20_000, len: 20_000, sizeBytes: 2_097_368, bytesDelta: 20_000 * 60 };
  const leak = { holder: 'Client.frames', type: 'list', path: ['Client.frames'], countDelta: 2_000, len: 9_000, sizeBytes: 72_056, bytesDelta: 2_000 * 1_400 };
  const ring = { holder: 'Client.last', type: 'deque', path: ['Client.last'], countDelta: 30_000, len: 50_000, sizeBytes: 400_000, bytesDelta: 30_000 * 900, full: 50_000 };
  const culprits = pythonCulprits([], [ring, cache, leak]);
  assert.deepEqual(culprits.map((c) => c.holder), ['list (Client.frames)', 'set (Feed.ids)', 'deque (Client.last)']);
  assert.equal(culprits[0]!.retainedDeltaBytes, 2_800_000);
  assert.match(culprits[0]!.text, /: \+2,000 entries \(len 9,000, 70\.4 KB itself, ~2\.7 MB in its new entries\)$/);
  assert.match(culprits[2]!.text, /; full at maxlen 50,000: bounded, not growing$/);
});

test('a one-frame traceback that ends in a library says how to see the caller', () => {
  const site: PythonSite = { site: 'json/decoder.py:353', code: 'obj, end = self.scan_once(s, idx)', sizeDelta: 2 * 1024 * 1024, countDelta: 30_000, size: 3 * 1024 * 1024, count: 40_000, frames: frames(['json/decoder.py:353', 'stdlib']) };
  const own: PythonSite = { ...site, site: 'bot.py:28', code: 'self.seen[k] = msg', frames: frames(['bot.py:28', null]) };
  const [lib, mine] = pythonCulprits([site, own], []);
  assert.equal(lib!.text, 'json/decoder.py:353 [stdlib] `obj, end = self.scan_once(s, idx)`: +2.0 MB in +30,000 blocks (the traceback stops in the library: `python: { depth: 8 }` shows the caller)');
  assert.equal(mine!.text, 'bot.py:28 `self.seen[k] = msg`: +2.0 MB in +30,000 blocks');
});

test('a site found through a grown container says whose entries it allocated', () => {
  const site: PythonSite = { site: 'bot.py:26', code: 'msg = json.loads(raw)', sizeDelta: 806_900, countDelta: 1_200, size: 806_900, count: 1_200, heldBy: 'dict (Client.seen)', frames: frames(['json/decoder.py:353', 'stdlib'], ['bot.py:26', null]) };
  assert.equal(pythonCulprits([site], [])[0]!.text, 'bot.py:26 `msg = json.loads(raw)`: ~+788.0 KB in +1,200 entries of dict (Client.seen) ← [stdlib: json/decoder.py:353]');
});
