// #18: hostile inputs, table-driven. Each must end with exit 2, a message naming the file, key
// or flag, no stack trace, no raw terminal escape, and nothing started. The count is printed
// (and asserted) for the issue's closing note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { CLI, runCli } from '../helpers/cli.ts';
import { tempDir, writeScenario } from '../helpers/run.ts';
import { fakeRun, flat } from '../helpers/fake-run.ts';

const ok = `name: hostile
duration: 1s
sampleInterval: 250ms
probes:
  idle: { kind: idle }
`;

interface Case {
  item: string;
  what: string;
  /** Builds the argv in `dir`. */
  args: (dir: string) => string[];
  /** What the message must say. */
  says: RegExp;
}

const scenario = (dir: string, text: string, name = 'h.yaml') => writeScenario(dir, text, name);
const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghij'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghij'[i]}`).join(',')}]`)].join('\n');

const CASES: Case[] = [
  { item: '#18.1', what: 'duration: 30d is fine but 400d is not', args: (d) => ['run', scenario(d, ok.replace('1s', '400d'))], says: /h\.yaml: duration: expected a duration of at most 365d/ },
  { item: '#18.1', what: '--duration 1000d', args: (d) => ['run', scenario(d, ok), '--duration', '1000d'], says: /--duration: .*at most 365d/ },
  { item: '#18.1', what: 'stopGrace: 500d', args: (d) => ['run', scenario(d, ok + 'stopGrace: 500d\n')], says: /stopGrace: .*at most 365d/ },
  { item: '#18.1', what: 'startDelay: 500d', args: (d) => ['run', scenario(d, ok.replace('{ kind: idle }', '{ kind: idle, startDelay: 500d }'))], says: /probes\.idle\.startDelay: .*at most 365d/ },
  { item: '#18.1', what: 'snapshots.secondAfter: 9999d', args: (d) => ['run', scenario(d, ok + 'snapshots: { secondAfter: 9999d }\n')], says: /snapshots\.secondAfter: .*at most 365d/ },
  { item: '#18.9', what: 'a YAML alias bomb', args: (d) => ['run', scenario(d, bomb)], says: /h\.yaml: not usable YAML: .*alias/i },
  { item: '#18.9', what: '--seed abc', args: (d) => ['run', scenario(d, ok), '--seed', 'abc'], says: /--seed: expected a whole number, got "abc"/ },
  { item: '#18.9', what: '--seed 1.5', args: (d) => ['run', scenario(d, ok), '--seed', '1.5'], says: /--seed: expected a whole number/ },
  { item: '#18.9', what: '--seed 1e400', args: (d) => ['run', scenario(d, ok), '--seed', '1e400'], says: /--seed: expected a whole number/ },
  { item: '#18.9', what: '--duration twice', args: (d) => ['run', scenario(d, ok), '--duration', '2s', '--duration', '3s'], says: /--duration: given 2 times; expected once/ },
  { item: '#18.9', what: 'a 300-character probe name', args: (d) => ['run', scenario(d, ok.replace('idle: {', `${'p'.repeat(300)}: {`))], says: /probes\.p+: expected a probe name of at most 64/ },
  { item: '#18.9', what: 'duration: 0s', args: (d) => ['run', scenario(d, ok.replace('1s', '0s'))], says: /h\.yaml: duration: expected a positive duration/ },
  { item: '#18.9', what: 'sampleInterval: 0s', args: (d) => ['run', scenario(d, ok.replace('250ms', '0s'))], says: /sampleInterval: expected a positive duration/ },
  { item: '#18.9', what: 'a 400-digit size', args: (d) => ['run', scenario(d, ok), '--inject-leak', `idle=${'9'.repeat(400)}GB/ms`], says: /--inject-leak: expected a size below 8 PB/ },
  { item: '#18.9', what: 'a 400-digit size in a scenario', args: (d) => ['run', scenario(d, ok + `leak: { budget: ${'9'.repeat(400)}GB }\n`)], says: /leak\.budget: expected a size below 8 PB/ },
  { item: '#18.9', what: 'an absurd leak rate', args: (d) => ['run', scenario(d, ok), '--inject-leak', 'idle=100GB/ms'], says: /--inject-leak: expected a rate of at most 1GB\/s/ },
  { item: '#18.13', what: 'ANSI escapes in a scenario key', args: (d) => ['run', scenario(d, ok + '"\u001b[2J\u001b]0;pwned\u0007evil": 1\n')], says: /h\.yaml: .*unknown key\(s\) "\[?.*evil"/ },
  { item: '#18.6', what: '--out a non-empty folder', args: (d) => { writeFileSync(path.join(d, 'x.txt'), 'x'); return ['run', scenario(d, ok), '--out', d]; }, says: /--out .*: the folder is not empty/ },
  { item: '#18.11', what: '--out /proc/x', args: (d) => ['run', scenario(d, ok), '--out', '/proc/exsoak-x'], says: /\/proc\/exsoak-x: cannot create the results folder/ },
  { item: '#26.12', what: 'a process probe attached to pid 1', args: (d) => ['run', scenario(d, ok.replace('{ kind: idle }', '{ kind: process, pid: 1 }'))], says: /probes\.idle\.pid: pid 1 is the init process/ },
  { item: '#18.8', what: 'compare two runs with no probe in common', args: () => ['compare', fakeRun({ probes: [{ name: 'a', kind: 'idle', floor: flat }], seconds: 5 }), fakeRun({ probes: [{ name: 'b', kind: 'idle', floor: flat }], seconds: 5 })], says: /have no probe in common .*nothing to compare/ },
  { item: '#18.10', what: 'report: a sample with t: 1e400', args: () => { const r = fakeRun({ probes: [{ name: 'a', kind: 'idle', floor: flat }], seconds: 5 }); appendFileSync(path.join(r, 'samples.ndjson'), '{"t":1e400,"probe":"a","heapUsed":1}\n'); return ['report', r]; }, says: /samples\.ndjson: t: expected a time in ms since 1970/ },
  { item: '#18.10', what: 'report: verdict.json with wrong types', args: () => { const r = fakeRun({ probes: [{ name: 'a', kind: 'idle', floor: flat }], seconds: 5 }); writeFileSync(path.join(r, 'verdict.json'), JSON.stringify({ pass: 'yes', probes: 7 })); return ['report', r]; }, says: /verdict\.json: not a verdict exsoak wrote: pass: / },
  { item: '#18.10', what: 'compare: verdict.json with wrong types', args: () => { const r = fakeRun({ probes: [{ name: 'a', kind: 'idle', floor: flat }], seconds: 5 }); writeFileSync(path.join(r, 'verdict.json'), JSON.stringify({ pass: true, scenario: 'x', partial: false, reason: 'completed', durationMs: 1, probes: { a: { pass: true, kind: 'idle', status: 'stopped', criteria: 'none' } }, process: { pass: true, criteria: [] } })); return ['compare', r, r]; }, says: /verdict\.json: not a verdict exsoak wrote: probes\.a\.criteria/ },
  { item: '#18.13', what: 'report: an ANSI escape as a probe name', args: () => { const r = fakeRun({ probes: [{ name: 'a', kind: 'idle', floor: flat }], seconds: 5 }); appendFileSync(path.join(r, 'samples.ndjson'), JSON.stringify({ t: Date.UTC(2025, 0, 1, 12, 0, 6), probe: '\u001b[31mred\u001b[0m' }) + '\n'); return ['report', r]; }, says: /samples\.ndjson: probe: expected a probe name/ },
];

test(`#18 hostile inputs: ${CASES.length} inputs, each exit 2 with a clear message`, async () => {
  const results: { c: Case; code: number | null; stderr: string }[] = [];
  // Two at a time: each is a Node start (~0.5 s of TypeScript loading) on a shared 2-core box.
  const queue = [...CASES];
  await Promise.all(
    [0, 1].map(async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const dir = tempDir('exsoak-hostile-');
        const res = await runCli(c.args(dir), { timeoutMs: 30_000, env: { NO_COLOR: '1' } });
        results.push({ c, code: res.code, stderr: res.stderr + res.stdout });
      }
    }),
  );
  const clean = results.filter(({ c, code, stderr }) => code === 2 && c.says.test(stderr) && !/\n\s+at /.test(stderr) && !/[\u001b\u0007\u009b]/.test(stderr));
  process.stdout.write(`# hostile inputs tried: ${results.length}; exit 2 cleanly: ${clean.length}\n`);
  for (const r of results) {
    if (!clean.includes(r)) assert.fail(`${r.c.item} ${r.c.what}: exit ${r.code}\n${r.stderr.slice(0, 1500)}`);
  }
  assert.equal(clean.length, CASES.length);
});

test('#18.8 compare of two runs with no probe in common exits non-zero with the reason', async () => {
  const a = fakeRun({ probes: [{ name: 'a', kind: 'idle', floor: flat }], seconds: 5 });
  const b = fakeRun({ probes: [{ name: 'b', kind: 'idle', floor: flat }], seconds: 5 });
  const res = await runCli(['compare', a, b]);
  assert.equal(res.code, 2, res.stderr);
  assert.doesNotMatch(res.stdout, /no regression/);
  assert.match(res.stderr, /no probe in common \(A: a; B: b\)/);
});

test('#18.13 SIGTERM while exsoak is still loading ends with 130 and the results written', async () => {
  const dir = tempDir();
  const file = scenario(dir, ok.replace('1s', '1h'));
  const out = path.join(dir, 'out');
  // Started by hand to control when the signal lands.
  const child = spawn(process.execPath, [CLI, 'run', file, '--out', out, '--no-progress', '--metrics-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  await new Promise((resolve) => child.once('spawn', resolve));
  // Inside the ~0.3 s of loading, after Node itself is up (bin/exsoak.js catches signals first thing).
  await new Promise((resolve) => setTimeout(resolve, 150));
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  assert.equal(code, 130, stderr);
  assert.ok(existsSync(path.join(out, 'verdict.json')), 'verdict written');
  assert.equal(JSON.parse(readFileSync(path.join(out, 'verdict.json'), 'utf8')).reason, 'interrupted');
});
