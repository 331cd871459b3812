// `exsoak report <run-dir>`: re-renders report.html from a results folder's files.
import type { CommandModule } from 'yargs';
import { RunReadError } from '../results/read-run.ts';
import { ResultsWriteError } from '../results/files.ts';
import { writeReport } from '../results/report.ts';
import { UsageError } from './errors.ts';

interface ReportArgs {
  'run-dir': string;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <run-dir>',
  describe: 'Re-render report.html from a results folder (prints its path)',
  builder: (y) =>
    y
      .positional('run-dir', { type: 'string', demandOption: true, describe: 'a results folder, e.g. results/quick-20250101-120000' })
      .example('exsoak report results/quick-20250101-120000', 'rewrite its report.html (also after a killed run)'),
  handler: (args) => {
    let file: string;
    try {
      file = writeReport(args['run-dir']);
    } catch (err) {
      if (err instanceof RunReadError || err instanceof ResultsWriteError) throw new UsageError(err.message);
      throw err;
    }
    process.stdout.write(`${file}\n`);
  },
};
