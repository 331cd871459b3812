// How often the periodic report comes (#17 item 1). The scenario's `report.every` is in the
// scenario's own time: a compressed run (`--duration` shorter than the scenario) scales it, so
// `bitunix-8h` run for 2 minutes still reports eight times, like the hourly 8 h run. The
// `--report-every` flag is taken as given.

/** No faster than this, however hard a run is compressed: a report per sample would be noise. */
const MIN_REPORT_EVERY_MS = 1000;
/** And no more reports than this in one run unless `--report-every` asks (a day squeezed into a minute). */
const MAX_SCALED_REPORTS = 12;

/** Without `report.every`: hourly for long runs (the 8 h checklist), six reports for short ones. */
function defaultReportEvery(nominalMs: number): number {
  if (nominalMs >= 4 * 3_600_000) return 3_600_000;
  return Math.max(10_000, Math.round(nominalMs / 6));
}

export function resolveReportEvery(opts: { scenarioEvery?: number; flag?: number; durationMs: number; nominalMs: number }): number {
  if (opts.flag !== undefined) return opts.flag;
  const every = opts.scenarioEvery ?? defaultReportEvery(opts.nominalMs);
  const scale = opts.nominalMs > 0 ? Math.min(1, opts.durationMs / opts.nominalMs) : 1;
  return Math.max(MIN_REPORT_EVERY_MS, Math.round(every * scale), Math.round(opts.durationMs / MAX_SCALED_REPORTS));
}
