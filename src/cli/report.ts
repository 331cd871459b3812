// `exsoak report <run-dir>`: re-renders report.html (and junit.xml, summary.json) from a results folder's files.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { readRun, RunReadError } from '../results/read-run.ts';
import { ResultsWriteError } from '../results/files.ts';
import { writeReport } from '../results/report.ts';
import { writeCiExports } from '../results/ci-exports.ts';
import { UsageError } from './errors.ts';

interface ReportArgs {
  'run-dir': string;
  junit?: string;
  'summary-export'?: string;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <run-dir>',
  describe: 'Re-render report.html, junit.xml and summary.json from a results folder (prints the report path)',
  builder: (y) =>
    y
      .positional('run-dir', { type: 'string', demandOption: true, describe: 'a results folder, e.g. results/quick-20250101-120000' })
      .option('junit', { type: 'string', describe: 'also write the JUnit XML verdict here' })
      .option('summary-export', { type: 'string', describe: 'also write the k6-style JSON summary here' })
      .example('exsoak report results/quick-20250101-120000', 'rewrite its report.html (also after a killed run)')
      .example('exsoak report results/quick-20250101-120000 --junit junit.xml', 'JUnit for CI from an existing run'),
  handler: (args) => {
    const dir = args['run-dir'];
    const files: string[] = [];
    try {
      const data = readRun(dir);
      files.push(writeReport(data));
      // A killed run has no verdict: its report still renders; JUnit is only refused when asked for.
      const asked = args.junit !== undefined || args['summary-export'] !== undefined;
      if (asked || existsSync(path.join(dir, 'verdict.json'))) {
        files.push(...writeCiExports(data, { junit: args.junit, summaryExport: args['summary-export'] }));
      }
    } catch (err) {
      if (err instanceof RunReadError || err instanceof ResultsWriteError) throw new UsageError(err.message);
      throw err;
    }
    // stdout stays the report's path alone (scripts open it); the exports are named on stderr.
    process.stdout.write(`${files[0]}\n`);
    if (files.length > 1) process.stderr.write(`also wrote ${files.slice(1).join(', ')}\n`);
  },
};
