// The environment a probe that runs the user's code gets (a module's worker thread, a process
// probe's program). By default it inherits the supervisor's, as a program started from a shell
// would, since a user's own client may need its own keys. The supervisor's environment can also
// hold credentials the probe has no business with (BITUNIX_API_SECRET): `inheritEnv: false` or
// an allow-list narrows it. Whatever a probe gets and prints, known secret values are masked in
// every output (src/shared/secrets.ts).

/** Passed even with `inheritEnv: false`: what a program needs to start and find its files. */
export const BASE_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'LC_*', 'TZ', 'TMPDIR', 'TERM'] as const;

export interface ProbeEnvSpec {
  /** true: everything; false: BASE_ENV only; a list: BASE_ENV plus these names or `PREFIX*`. */
  inheritEnv?: boolean | string[];
  /** The scenario's `env:`, set last. */
  env?: Record<string, string>;
}

function allowed(patterns: readonly string[]): (name: string) => boolean {
  const exact = new Set(patterns.filter((p) => !p.endsWith('*')));
  const prefixes = patterns.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));
  return (name) => exact.has(name) || prefixes.some((p) => name.startsWith(p));
}

/**
 * The probe's environment: what it inherits from `from`, then `exported` (the simulator's
 * endpoints), then the scenario's `env:`.
 */
export function probeEnv(spec: ProbeEnvSpec, exported: Record<string, string> = {}, from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const inherit = spec.inheritEnv ?? true;
  let inherited: NodeJS.ProcessEnv;
  if (inherit === true) inherited = { ...from };
  else {
    const keep = allowed([...BASE_ENV, ...(inherit === false ? [] : inherit)]);
    inherited = Object.fromEntries(Object.entries(from).filter(([name]) => keep(name)));
  }
  return { ...inherited, ...exported, ...spec.env };
}

/**
 * A module probe's worker `env` option: undefined when it inherits everything and sets nothing,
 * so the worker gets Node's default (a copy of the supervisor's) exactly as before.
 */
export function workerEnv(spec: ProbeEnvSpec): NodeJS.ProcessEnv | undefined {
  if ((spec.inheritEnv ?? true) === true && Object.keys(spec.env ?? {}).length === 0) return undefined;
  return probeEnv(spec);
}
