// `exsoak` — argument parsing only; each command lives in its own file.
import yargs from 'yargs';
import { readFileSync } from 'node:fs';
import { runCommand } from './run.ts';
import { simCommand } from './sim.ts';
import { bisectCommand } from './bisect.ts';
import { reportCommand } from './report.ts';
import { compareCommand } from './compare.ts';
import { initCommand } from './init.ts';
import { EXIT, UsageError } from './errors.ts';
import { ScenarioError } from '../scenario/load.ts';

// Compiled, this file is one folder deeper (dist/src/cli) than in the repository.
const PACKAGE_JSON = new URL(import.meta.url.endsWith('.js') ? '../../../package.json' : '../../package.json', import.meta.url);
export const VERSION = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;

export async function main(argv: string[]): Promise<void> {
  try {
    await yargs(argv)
      .scriptName('exsoak')
      .version(VERSION)
      .command(runCommand)
      .command(simCommand)
      .command(reportCommand)
      .command(compareCommand)
      .command(bisectCommand)
      .command(initCommand)
      .demandCommand(1, 'expected a command: run, sim, report, compare, bisect, init')
      .strict()
      .help()
      .alias('h', 'help')
      .wrap(Math.min(110, process.stdout.columns || 100))
      .fail((msg, err) => {
        throw err ?? new UsageError(msg);
      })
      .parseAsync();
  } catch (err) {
    if (err instanceof UsageError || err instanceof ScenarioError) {
      process.stderr.write(`exsoak: ${err.message}\n(see exsoak --help)\n`);
      process.exitCode = EXIT.usage;
      return;
    }
    process.stderr.write(`exsoak: internal error: ${(err as Error).stack ?? err}\n`);
    process.exitCode = EXIT.internal;
  }
}
