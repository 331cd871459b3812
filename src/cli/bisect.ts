// `exsoak bisect <scenario>`
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { loadScenarios } from '../scenario/load.ts';
import { parseDuration } from '../shared/units.ts';
import { formatBisect, runBisect } from '../supervisor/bisect.ts';
import { createRunDir } from '../results/files.ts';
import { UsageError } from './errors.ts';

interface BisectArgs {
  scenario: string;
  duration?: string;
  out?: string;
  json: boolean;
}

export const bisectCommand: CommandModule<object, BisectArgs> = {
  command: 'bisect <scenario>',
  describe: 'Run each probe, and each probe feature, in isolation and rank them by leak slope',
  builder: (y) =>
    y
      .positional('scenario', { type: 'string', demandOption: true })
      .option('duration', { type: 'string', describe: 'length of each variant run (default: the scenario duration)' })
      .option('out', { type: 'string', describe: 'folder for the variant runs' })
      .option('json', { type: 'boolean', default: false, describe: 'print the ranking as JSON on stdout' })
      .example('exsoak bisect scenarios/quick.yaml --duration 2m', 'which probe or feature leaks'),
  handler: async (args) => {
    let duration: number | undefined;
    if (args.duration !== undefined) {
      try {
        duration = parseDuration(args.duration);
      } catch (err) {
        throw new UsageError(`--duration: ${(err as Error).message}`);
      }
    }
    const loaded = loadScenarios([args.scenario], { duration });
    const dir = args.out ?? createRunDir({ scenario: `${loaded.scenario.name}-bisect` });
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once('SIGINT', onSignal);
    try {
      const rows = await runBisect(loaded, {
        dir,
        interrupt: controller.signal,
        onVariant: (label, i, n) => process.stderr.write(`bisect ${i + 1}/${n}: ${label}\n`),
      });
      process.stderr.write('\n' + formatBisect(rows) + `runs in ${path.resolve(dir)}\n`);
      if (args.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      process.exitCode = controller.signal.aborted ? 130 : 0;
    } finally {
      process.off('SIGINT', onSignal);
    }
  },
};
