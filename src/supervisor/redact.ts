// What run.json records of the resolved scenario, minus credentials: results folders are
// uploaded as CI artifacts. Simulator key pairs given in a scenario are the only secrets a
// scenario can hold (live credentials come from the environment only).
const SECRET_KEY = /^(apiKey|apiSecret|secret|token|password|passphrase)$/i;
/** A process probe's `env:` names a child's credentials the way the environment does (BITUNIX_API_SECRET). */
const SECRET_ENV = /(KEY|SECRET|TOKEN|PASSWORD|PASSPHRASE|CREDENTIAL)/i;

/** A deep copy with every credential-named key under `simulators` replaced by "[redacted]". */
export function redactScenario<T>(scenario: T): T {
  const copy = structuredClone(scenario) as T & { simulators?: Record<string, unknown> };
  if (copy && typeof copy === 'object' && copy.simulators && typeof copy.simulators === 'object') {
    for (const options of Object.values(copy.simulators)) redactKeys(options);
  }
  for (const env of probeEnvs(copy)) for (const key of Object.keys(env)) if (SECRET_ENV.test(key)) env[key] = '[redacted]';
  return copy;
}

function redactKeys(value: unknown): void {
  if (!value || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_KEY.test(key) && typeof inner === 'string') (value as Record<string, unknown>)[key] = '[redacted]';
    else redactKeys(inner);
  }
}

/** The credentials a scenario gives its simulators, to mask wherever they could surface. */
export function scenarioSecrets(scenario: { simulators?: Record<string, unknown> }): string[] {
  const out: string[] = [];
  const walk = (value: unknown) => {
    if (!value || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      if (SECRET_KEY.test(key) && typeof inner === 'string') out.push(inner);
      else walk(inner);
    }
  };
  walk(scenario.simulators);
  for (const env of probeEnvs(scenario)) for (const [key, value] of Object.entries(env)) if (SECRET_ENV.test(key) && typeof value === 'string' && value !== '') out.push(value);
  return out;
}

/** The `env:` blocks of the scenario's probes (process probes pass them to their child). */
function probeEnvs(scenario: unknown): Record<string, unknown>[] {
  const probes = (scenario as { probes?: Record<string, unknown> } | null)?.probes;
  if (!probes || typeof probes !== 'object') return [];
  return Object.values(probes)
    .map((p) => (p && typeof p === 'object' ? (p as { env?: unknown }).env : undefined))
    .filter((env): env is Record<string, unknown> => !!env && typeof env === 'object');
}
