// `exsoak compare <runA> <runB>`: side-by-side figures per probe; exit 1 when B regresses.
import type { CommandModule } from 'yargs';
import { compareRuns, formatComparison } from '../results/compare.ts';
import { readRun, RunReadError, type RunData } from '../results/read-run.ts';
import { EXIT, UsageError } from './errors.ts';

interface CompareArgs {
  runA: string;
  runB: string;
  tolerance: number;
  json: boolean;
}

function load(dir: string, label: string): RunData {
  let data: RunData;
  try {
    data = readRun(dir);
  } catch (err) {
    if (err instanceof RunReadError) throw new UsageError(`${label}: ${err.message}`);
    throw err;
  }
  // An empty run would compare nothing and pass: in CI that must not look like a green light.
  if (data.probes.size === 0) throw new UsageError(`${label}: ${dir} has no probe samples to compare`);
  return data;
}

export const compareCommand: CommandModule<object, CompareArgs> = {
  command: 'compare <runA> <runB>',
  describe: 'Compare two runs per probe; exit 1 when runB regresses beyond the tolerance',
  builder: (y) =>
    y
      .positional('runA', { type: 'string', demandOption: true, describe: 'the baseline results folder (e.g. main)' })
      .positional('runB', { type: 'string', demandOption: true, describe: 'the candidate results folder (e.g. your branch)' })
      .option('tolerance', { type: 'number', default: 0.1, describe: 'how much worse B may be, relative (0.1 = 10 %)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the comparison as JSON on stdout' })
      .example('exsoak compare results/main results/branch', 'exit 1 if the branch leaks faster, drops more, …')
      .example('exsoak compare a b --tolerance 0.2 --json', 'machine-readable, 20 % slack'),
  handler: (args) => {
    if (!Number.isFinite(args.tolerance) || args.tolerance < 0) {
      throw new UsageError(`--tolerance: expected a non-negative number like 0.1, got ${args.tolerance}`);
    }
    const [a, b] = [load(args.runA, 'runA'), load(args.runB, 'runB')];
    // Nothing in common compares nothing: "no regression" would be a green light for any branch.
    if (![...a.probes.keys()].some((name) => b.probes.has(name))) {
      throw new UsageError(`${args.runA} and ${args.runB} have no probe in common (A: ${[...a.probes.keys()].join(', ')}; B: ${[...b.probes.keys()].join(', ')}): nothing to compare`);
    }
    const comparison = compareRuns(a, b, { tolerance: args.tolerance });
    if (args.json) process.stdout.write(JSON.stringify(comparison, null, 2) + '\n');
    else process.stdout.write(formatComparison(comparison, !!process.stdout.isTTY && !process.env.NO_COLOR));
    process.exitCode = comparison.regression ? EXIT.fail : EXIT.pass;
  },
};
