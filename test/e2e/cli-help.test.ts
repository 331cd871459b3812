// #17 item 11: the README says `exsoak --help` and every command's help show examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

for (const command of ['', 'run', 'sim', 'report', 'compare', 'bisect', 'init']) {
  test(`exsoak ${command ? `${command} ` : ''}--help shows examples of ${command || 'every command'}`, async () => {
    const res = await runCli([...(command ? [command] : []), '--help'], { timeoutMs: 30_000 });
    assert.equal(res.code, 0, res.stderr);
    const examples = res.stdout.split(/^Examples:$/m)[1];
    assert.ok(examples, `an Examples section:\n${res.stdout}`);
    const lines = examples.split('\n').filter((l) => /^\s+exsoak /.test(l));
    if (command) {
      assert.ok(lines.length >= 1 && lines.every((l) => l.trim().startsWith(`exsoak ${command} `)), `examples of ${command}:\n${examples}`);
    } else {
      for (const sub of ['run', 'sim', 'report', 'compare', 'bisect']) assert.ok(lines.some((l) => l.trim().startsWith(`exsoak ${sub} `)), `an example of ${sub}:\n${examples}`);
    }
  });
}

test('npx exsoak --help in the repository, with the system Node first on PATH: the help, and no EBADENGINE lines', async () => {
  // npm's own PATH puts the project's Node 24 first; a newcomer's shell has the system Node (20 on these machines).
  const PATH = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => !dir.includes('node_modules')).join(path.delimiter);
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
    execFile('npx', ['exsoak', '--help'], { cwd: ROOT, env: { ...process.env, PATH }, timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(Object.assign(err, { stderr })) : resolve({ stdout, stderr }),
    ),
  );
  assert.doesNotMatch(stderr, /EBADENGINE/);
  assert.match(stdout, /^exsoak <command>/m);
});
