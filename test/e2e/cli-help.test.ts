// #17 item 11: the README says `exsoak --help` and every command's help show examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.ts';

for (const command of ['', 'run', 'sim', 'report', 'compare', 'bisect']) {
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
