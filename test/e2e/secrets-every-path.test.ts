// #24 secrets / #26.11: one run feeds every secret-ish name and known secret values (the
// supervisor's environment, the scenario's own) through every output path — log.ndjson and the
// terminal log, run.json, report.html, a heap snapshot, junit.xml, the summary export,
// events.ndjson, a process probe's stdout/stderr logs, a module's console output, the terminal
// summary and progress — and none comes out. Plus the environment a probe inherits, narrowed by `inheritEnv`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import YAML from 'yaml';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/run.ts';
import { SECRET_NAMES, envNameOf } from '../helpers/secret-names.ts';

const SDK = pathToFileURL(path.resolve(import.meta.dirname, '../../workers/lib/probe.ts')).href;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/** A module probe that says every secret it can reach, every way the SDK lets it, and keeps them in its heap. */
const MODULE = `import { defineProbe } from ${JSON.stringify(SDK)};
const kept = [];
export default defineProbe(async (ctx) => {
  const fromEnv = Object.entries(process.env).filter(([k]) => k.startsWith('CANARY_') || k.startsWith('BITUNIX_'));
  for (const [name, value] of fromEnv) {
    kept.push(String(value) + '');
    ctx.log('info', 'module says ' + name + '=' + value, { [name]: value, text: 'env ' + value });
    ctx.log('error', 'module error with ' + value);
    ctx.event('leaky', { [name]: value, text: 'event ' + value });
    // Straight from the worker thread to the supervisor's stdout/stderr, past every logger.
    console.log('console says ' + name + '=' + value);
    console.error('console errs ' + name + '=' + value);
  }
  ctx.event('options', { ...ctx.options, text: 'options ' + JSON.stringify(ctx.options) });
  ctx.log('warn', 'options ' + JSON.stringify(ctx.options), { options: ctx.options });
  ctx.count('messages');
  await ctx.stopped;
  ctx.gauge('kept', kept.length);
});
`;

/** A process probe that prints every secret it inherits on stdout (plain and NDJSON) and stderr, then crashes quoting one. */
const PROCESS = `const secrets = Object.entries(process.env).filter(([k]) => k.startsWith('CANARY_') || k.startsWith('BITUNIX_') || k === 'MY_API_TOKEN');
for (const [name, value] of secrets) {
  console.log('printed ' + name + '=' + value);
  console.log(JSON.stringify({ event: 'login', [name]: value, text: 'stdout event ' + value }));
  console.error('stderr ' + name + '=' + value);
}
setTimeout(() => { console.error('fatal: could not log in with ' + process.env.BITUNIX_API_SECRET); process.exit(1); }, 1500);
`;

test('#24 secrets / #26.11 every secret-ish name and every known secret value stay out of every output path', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'out');
  const env: Record<string, string> = { BITUNIX_API_KEY: 'AKcanaryEnvKey0123456789', BITUNIX_API_SECRET: 'SKcanaryEnvSecret9876543210' };
  for (const [i, name] of SECRET_NAMES.entries()) env[envNameOf(name)] = `envCanary${i}x${name.length}Zq7`;
  // Secrets the scenario holds: a module's options under every secret-ish name, a process probe's env:.
  const options: Record<string, string> = { plain: 'visible-option' };
  for (const [i, name] of SECRET_NAMES.entries()) options[name] = `optCanary${i}y${name.length}Wk3`;
  const scenarioToken = 'scenarioCanaryToken4711abc';
  const canaries = [...Object.values(env), ...Object.values(options).filter((v) => v !== 'visible-option'), scenarioToken];
  writeFileSync(path.join(dir, 'mod.mjs'), MODULE);
  writeFileSync(path.join(dir, 'proc.mjs'), PROCESS);
  const scenario = {
    name: 'secrets-every-path',
    duration: '20s',
    sampleInterval: '500ms',
    snapshots: { max: 2, minInterval: '0s' },
    probes: {
      mod: {
        kind: 'module',
        module: './mod.mjs',
        options,
        counters: ['messages'],
        // Fails as soon as it is evaluated: a breach snapshot of the worker holding the secrets.
        thresholds: [{ threshold: 'heap_used_mb.max < 1', abortOnFail: true, delayAbortEval: '4s' }],
      },
      proc: { kind: 'process', command: [process.execPath, './proc.mjs'], env: { MY_API_TOKEN: scenarioToken }, events: 'stdout-ndjson' },
    },
  };
  const file = path.join(dir, 'scenario.yaml');
  writeFileSync(file, YAML.stringify(scenario));
  const junit = path.join(dir, 'exports', 'junit.xml');
  const summary = path.join(dir, 'exports', 'summary.json');
  const res = await runCli(['run', file, '--out', out, '--junit', junit, '--summary-export', summary, '--progress', '--report-every', '2s'], { env, timeoutMs: 90_000 });
  assert.equal(res.code, 1, res.stderr);

  const files = [...filesUnder(out), junit, summary];
  const read = (f: string) => readFileSync(f, 'latin1');
  // Every path really carried what it must mask (or the test could pass by saying nothing).
  const names = files.map((f) => path.relative(dir, f));
  for (const expected of ['out/log.ndjson', 'out/run.json', 'out/report.html', 'out/junit.xml', 'out/summary.json', 'out/events.ndjson', 'out/proc.stdout.log', 'out/proc.stderr.log', 'out/verdict.json', 'exports/junit.xml', 'exports/summary.json']) {
    assert.ok(names.includes(expected), `${expected} written (${names.join(', ')})`);
  }
  assert.equal(files.filter((f) => f.endsWith('.heapsnapshot')).length, 1, 'one breach snapshot of the module worker');
  assert.match(read(path.join(out, 'log.ndjson')), /module says CANARY_API_KEY=\[redacted\]/);
  assert.match(read(path.join(out, 'events.ndjson')), /"kind":"login".*"text":"stdout event \[redacted\]"/);
  assert.match(read(path.join(out, 'events.ndjson')), /"kind":"leaky"/);
  assert.match(read(path.join(out, 'proc.stdout.log')), /printed BITUNIX_API_SECRET=\*{27}\n/);
  assert.match(read(path.join(out, 'proc.stderr.log')), /fatal: could not log in with \*+/);
  assert.match(read(path.join(out, 'verdict.json')), /could not log in with \[redacted\]/, 'the crash tail reaches the verdict, masked');
  assert.match(res.stderr, /module error with \[redacted\]/, 'the terminal log');
  assert.match(res.stdout, /console says CANARY_API_KEY=\[redacted\]/, "a module's console.log");
  assert.match(res.stderr, /console errs CANARY_API_KEY=\[redacted\]/, "a module's console.error");
  assert.match(res.stderr + res.stdout, /stderr +fatal: could not log in with \[redacted\]/, 'the terminal summary quotes the stderr tail');
  const run = JSON.parse(read(path.join(out, 'run.json')));
  assert.equal(run.resolved.probes.mod.options.plain, 'visible-option');
  for (const name of SECRET_NAMES) assert.equal(run.resolved.probes.mod.options[name], '[redacted]', `run.json options.${name}`);
  assert.equal(run.resolved.probes.proc.env.MY_API_TOKEN, '[redacted]');

  for (const [where, text] of [...files.map((f) => [path.relative(dir, f), read(f)] as const), ['stdout', res.stdout] as const, ['stderr', res.stderr] as const]) {
    const leaked = canaries.filter((c) => text.includes(c));
    assert.deepEqual(leaked, [], `secret values found in ${where}`);
  }
});

test('#26.11 inheritEnv narrows what a probe inherits: false keeps the credentials out, a list lets named ones in', async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'mod.mjs'), `import { defineProbe } from ${JSON.stringify(SDK)};
export default defineProbe(async (ctx) => {
  ctx.event('env', { bitunix: process.env.BITUNIX_API_SECRET === undefined ? 'absent' : 'present', mine: process.env.MY_BOT_PASSPHRASE === undefined ? 'absent' : 'present', path: process.env.PATH ? 'present' : 'absent', set: process.env.SET_BY_SCENARIO ?? 'absent' });
  await ctx.stopped;
});
`);
  const shell = 'echo "secret=${BITUNIX_API_SECRET:+present} mine=${MY_BOT_PASSPHRASE:+present} other=${OTHER_VAR:+present}"; sleep 30';
  const scenario = {
    name: 'inherit-env',
    duration: '3s',
    sampleInterval: '500ms',
    probes: {
      inherits: { kind: 'process', command: ['sh', '-c', shell] },
      closed: { kind: 'process', command: ['sh', '-c', shell], inheritEnv: false },
      allowed: { kind: 'process', command: ['sh', '-c', shell], inheritEnv: ['MY_BOT_*'] },
      worker: { kind: 'module', module: './mod.mjs', inheritEnv: false, env: { SET_BY_SCENARIO: 'yes' } },
    },
  };
  const file = path.join(dir, 'scenario.yaml');
  writeFileSync(file, YAML.stringify(scenario));
  const env = { BITUNIX_API_SECRET: 'SKinheritCanary0123456', MY_BOT_PASSPHRASE: 'myBotPassphrase0123', OTHER_VAR: 'other' };
  const res = await runCli(['run', file, '--out', path.join(dir, 'out'), '--no-progress', '--allow-inconclusive'], { env, timeoutMs: 60_000 });
  assert.equal(res.code, 0, res.stderr);
  const stdoutOf = (probe: string) => readFileSync(path.join(dir, 'out', `${probe}.stdout.log`), 'utf8').trim();
  assert.equal(stdoutOf('inherits'), 'secret=present mine=present other=present', 'the default inherits everything');
  assert.equal(stdoutOf('closed'), 'secret= mine= other=');
  assert.equal(stdoutOf('allowed'), 'secret= mine=present other=');
  const events = readFileSync(path.join(dir, 'out', 'events.ndjson'), 'utf8');
  assert.match(events, /"kind":"env","data":\{"bitunix":"absent","mine":"absent","path":"present","set":"yes"\}/);
});

test('#26.12 ANSI escapes and a 3 MB stderr line from a crashed probe reach the terminal summary stripped and cut', async () => {
  const dir = tempDir();
  writeFileSync(
    path.join(dir, 'crash.mjs'),
    // writeSync: a pipe write Node queues would be lost to process.exit.
    `import { writeSync } from 'node:fs';
writeSync(2, '\\u001b[2J\\u001b]0;pwned\\u0007\\u001b[31mred alert\\u001b[0m\\n');
writeSync(2, 'x'.repeat(3 * 1024 * 1024) + '\\n');
writeSync(2, 'last words\\u001b[K\\n');
setTimeout(() => process.exit(3), 300);
`,
  );
  const file = path.join(dir, 'scenario.yaml');
  writeFileSync(file, YAML.stringify({ name: 'crash-stderr', duration: '3s', sampleInterval: '500ms', probes: { crash: { kind: 'process', command: [process.execPath, './crash.mjs'] } } }));
  const res = await runCli(['run', file, '--out', path.join(dir, 'out'), '--no-progress'], { timeoutMs: 60_000 });
  assert.equal(res.code, 1, res.stderr.slice(0, 2000));
  const terminal = res.stdout + res.stderr;
  assert.match(terminal, /stderr +red alert/, 'the crashed probe\'s stderr is quoted, its escapes gone');
  assert.match(terminal, /stderr +x{100,}… \[cut; \d+ characters in all\]/);
  assert.match(terminal, /stderr +last words/);
  assert.ok(!terminal.includes('\u001b'), 'no escape sequence from the probe reaches the terminal (NO_COLOR: none of ours either)');
  const longest = Math.max(...terminal.split('\n').map((l) => l.length));
  assert.ok(longest < 1200, `longest terminal line ${longest} characters`);
});
