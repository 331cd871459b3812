// junit.xml and summary.json in the results folder (and wherever --junit / --summary-export
// point): written at the end of a run, and again by `exsoak report` from the folder's files.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ResultsWriteError, writeJsonAtomic, writeTextAtomic } from './files.ts';
import { RunReadError, type RunData } from './run-data.ts';
import { renderJunit } from './junit.ts';
import { renderSummaryExport } from './summary-export.ts';

export interface CiExportOptions {
  /** Extra copies: --junit FILE, --summary-export FILE. */
  junit?: string;
  summaryExport?: string;
}

/** Writes both exports; returns the paths written. */
export function writeCiExports(data: RunData, opts: CiExportOptions = {}): string[] {
  const dir = data.dir;
  if (!data.verdict) {
    throw new RunReadError(`${dir}: no verdict.json (the run was killed before its verdict): JUnit and the summary need one`);
  }
  const run = data.run as { startedAt?: string; host?: { hostname?: string } } | undefined;
  const xml = renderJunit(data.verdict, { startedAt: run?.startedAt, hostname: run?.host?.hostname, runId: path.basename(path.resolve(dir)) });
  const summary = renderSummaryExport(data);
  const written: string[] = [];
  const text = (file: string, body: string) => {
    try {
      mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    } catch (err) {
      throw new ResultsWriteError(`${file}: cannot create its folder (${(err as NodeJS.ErrnoException).code})`);
    }
    writeTextAtomic(file, body);
    written.push(file);
  };
  text(path.join(dir, 'junit.xml'), xml);
  writeJsonAtomic(path.join(dir, 'summary.json'), summary);
  written.push(path.join(dir, 'summary.json'));
  if (opts.junit) text(opts.junit, xml);
  if (opts.summaryExport) text(opts.summaryExport, JSON.stringify(summary, null, 2) + '\n');
  return written;
}
