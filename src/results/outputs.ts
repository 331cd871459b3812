// The files a run ends with: a consumer of the bus's last event, the verdict. Each file is
// written on its own, so one that fails (a full disk) does not keep the others from trying.
// Another output (JUnit, a k6 summary) is one more entry here, or its own consumer beside this.
import path from 'node:path';
import type { Bus } from '../bus/bus.ts';
import type { RunEnd } from '../bus/types.ts';
import type { Verdict } from '../bus/verdict.ts';
import { writeJsonAtomic } from './files.ts';
import { writeReport } from './report.ts';
import { writeCiExports } from './ci-exports.ts';
import { collectRun, type RunData } from './run-data.ts';

export interface RunRecord {
  /** run.json as written at the start; completed with `endedAt` and `end` here. */
  info: Record<string, unknown>;
  /** --junit FILE, --summary-export FILE: copies of the folder's junit.xml and summary.json. */
  junit?: string;
  summaryExport?: string;
}

export class FinalOutputs {
  /** Files that could not be written, with why. */
  readonly failures: { file: string; error: Error }[] = [];
  private end?: RunEnd;

  constructor(opts: { bus: Bus; dir: string; run: RunRecord; onError?: (file: string, err: Error) => void }) {
    const { bus, dir, run } = opts;
    bus.on('run:end', (end) => (this.end = end));
    bus.on('verdict', (verdict: Verdict) => {
      const end = this.end ? { reason: this.end.reason, ...(this.end.detail ? { detail: this.end.detail } : {}) } : undefined;
      const record = { ...run.info, endedAt: new Date(this.end?.t ?? Date.now()).toISOString(), ...(end ? { end } : {}) };
      // Read once for both: the folder's samples and events with the verdict in hand.
      let data: RunData | undefined;
      const collected = () => (data ??= collectRun(dir, { verdict, run: record }));
      const files: [string, () => void][] = [
        ['verdict.json', () => writeJsonAtomic(path.join(dir, 'verdict.json'), verdict)],
        ['run.json', () => writeJsonAtomic(path.join(dir, 'run.json'), record)],
        ['report.html', () => writeReport(collected())],
        ['junit.xml and summary.json', () => writeCiExports(collected(), { junit: run.junit, summaryExport: run.summaryExport })],
      ];
      for (const [file, write] of files) {
        try {
          write();
        } catch (err) {
          this.failures.push({ file, error: err as Error });
          opts.onError?.(file, err as Error);
        }
      }
    });
  }
}
