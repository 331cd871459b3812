// What every suite gets from bench/index.ts.
export interface SuiteContext {
  /** Fewer repetitions and shorter windows: a smoke run. */
  quick: boolean;
  log(line: string): void;
  /** Values one suite hands to the next in the same run (e.g. the calibrated ingest rate). */
  shared: { ratePerStream?: number };
}
