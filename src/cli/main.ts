// `exsoak` — argument parsing only; each command lives in its own file.
import yargs from 'yargs';
import { runCommand } from './run.ts';
import { simCommand } from './sim.ts';
import { bisectCommand } from './bisect.ts';
import { reportCommand } from './report.ts';
import { compareCommand } from './compare.ts';
import { initCommand } from './init.ts';
import { EXIT, reportFailure, UsageError } from './errors.ts';
import { VERSION } from './version.ts';
import { ScenarioError } from '../scenario/load.ts';
import { takeEarlySignals } from '../shared/early-signals.ts';

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
      .example('exsoak run scenarios/quick.yaml', 'a one-minute soak of both exchange probes against the simulators')
      .example('exsoak run scenarios/bitunix-8h.yaml --duration 2m --report-every 15s', 'the 8 h executor test, compressed, a report every 15 s')
      .example('exsoak bisect scenarios/quick.yaml --duration 2m', 'which probe, which feature leaks')
      .example('exsoak report results/quick-20261122-101500', 're-render a run\'s report.html')
      .example('exsoak compare results/main-run results/branch-run', 'exit 1 when the second run regresses')
      .example('exsoak sim binance --port 9443', 'a simulator on its own')
      .example('exsoak init', 'a scenario and a probe module for your own client, wired to the simulator')
      .example('exsoak <command> --help', 'every command\'s flags, with examples')
      .demandCommand(1, 'expected a command: run, sim, report, compare, bisect, init')
      .strict()
      .help()
      .alias('h', 'help')
      .wrap(Math.min(110, process.stdout.columns || 100))
      .fail((msg, err) => {
        throw err ?? new UsageError(msg);
      })
      .parseAsync();
    // A command that never took over the early signals (report, compare, …): they interrupted it.
    if (takeEarlySignals().length > 0) process.exitCode = EXIT.interrupted;
  } catch (err) {
    takeEarlySignals();
    reportFailure(err, err instanceof ScenarioError);
  }
}
