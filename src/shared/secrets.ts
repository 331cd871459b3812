// What a secret is, defined once for every output path (log.ndjson and the terminal, run.json,
// report.html, heap snapshots, junit.xml, summary.json, events.ndjson, a process probe's
// stdout/stderr logs): results folders are uploaded as CI artifacts and terminals are recorded.
//
// Two rules, both here:
// - a NAME is secret when one of its words is a credential word (see SECRET_WORD): the field
//   `apiSecret`, the header `api-key`, the variable BITUNIX_API_SECRET. Words, not substrings,
//   so `signals` or `keyframes`-like names stay readable while `sign` and `x-mbx-apikey` do not.
// - a VALUE is a known secret when it is held under a secret name in the supervisor's
//   environment or in the scenario (simulator key pairs, a process probe's `env:`): wherever it
//   appears in text (a probe printing it, a crash message quoting it) it is masked.

/** What a redacted field or a masked value reads as. */
export const REDACTED = '[redacted]';

/**
 * One word of a name (lower-cased). An optional qualifier glued to it counts as the same word
 * (`apikey`, `secretkey`, `accesstoken`, `setcookie`), since headers and env names are often
 * written without separators.
 */
const SECRET_WORD =
  /^(api|access|secret|private|auth|refresh|session|client|set|bearer)?(key|keys|secret|secrets|token|tokens|passphrase|password|passwords|passwd|credential|credentials|sign|signature|auth|authorization|cookie|cookies)$/;

/** Shorter values would match innocent text (and are not real credentials). */
const MIN_SECRET_LENGTH = 6;

/** The words of a name: camelCase, snake_case, kebab-case, dotted, lower-cased. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

// Names repeat (every sample has the same keys): the verdict on each is remembered, boundedly.
const verdicts = new Map<string, boolean>();
const MAX_REMEMBERED = 10_000;

/** Whether a field, header or environment variable of this name holds a credential. */
export function isSecretName(name: string): boolean {
  let secret = verdicts.get(name);
  if (secret === undefined) {
    secret = words(name).some((w) => SECRET_WORD.test(w));
    if (verdicts.size >= MAX_REMEMBERED) verdicts.clear();
    verdicts.set(name, secret);
  }
  return secret;
}

/**
 * Whether a value held under a secret name is worth masking in text: long enough not to match
 * innocent text, and not a number or a boolean (`KEY_TIMEOUT=300000` is no credential, and
 * masking digits would corrupt every number that contains them).
 */
function isMaskableValue(value: string): boolean {
  const v = value.trim();
  return v.length >= MIN_SECRET_LENGTH && !/^[-+]?[\d.,_eE]+$/.test(v) && !/^(true|false|null|undefined)$/i.test(v);
}

/** Values of the secret-named variables of `env` (BITUNIX_API_KEY, BITUNIX_API_SECRET, GITHUB_TOKEN, …). */
export function secretValuesOfEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env)
    .filter(([name, value]) => typeof value === 'string' && isSecretName(name) && isMaskableValue(value))
    .map(([, value]) => value!.trim());
}

/** String values held under secret names anywhere in `value` (a scenario: simulator keys, probes' `env:`). */
export function secretValuesIn(value: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, underSecret: boolean, depth: number) => {
    if (depth > 64) return;
    if (typeof v === 'string') {
      if (underSecret && isMaskableValue(v)) out.push(v.trim());
      return;
    }
    if (!v || typeof v !== 'object') return;
    for (const [key, inner] of Object.entries(v as Record<string, unknown>)) walk(inner, underSecret || isSecretName(key), depth + 1);
  };
  walk(value, false, 0);
  return out;
}

/**
 * A deep copy of `value` with every string held directly under a secret-named key (or in an
 * array there) replaced by REDACTED. Numbers and booleans stay (`sign: true`, a counter named
 * `auth.failures`), and so do objects' inner fields, which are judged by their own names: a
 * probe named `auth` keeps its verdict. Cycles and depth are bounded.
 */
export function redactSecretFields<T>(value: T): T {
  // Most of what is written (samples, reports) has nothing to redact: no copy then.
  if (!hasSecretField(value, false, 0, new WeakSet())) return value;
  const seen = new WeakSet<object>();
  const walk = (v: unknown, underSecret: boolean, depth: number): unknown => {
    if (typeof v === 'string') return underSecret && v !== '' ? REDACTED : v;
    if (!v || typeof v !== 'object' || depth > 64) return v;
    if (seen.has(v)) return '[cycle]';
    seen.add(v);
    try {
      if (Array.isArray(v)) return v.map((inner) => walk(inner, underSecret, depth + 1));
      if (!isPlainObject(v)) return v;
      return Object.fromEntries(Object.entries(v).map(([key, inner]) => [key, walk(inner, isSecretName(key), depth + 1)]));
    } finally {
      seen.delete(v);
    }
  };
  return walk(value, false, 0) as T;
}

/** Whether redactSecretFields would change anything in `v` (a cycle counts: it is replaced). */
function hasSecretField(v: unknown, underSecret: boolean, depth: number, seen: WeakSet<object>): boolean {
  if (typeof v === 'string') return underSecret && v !== '';
  if (!v || typeof v !== 'object' || depth > 64) return false;
  if (seen.has(v)) return true;
  seen.add(v);
  try {
    if (Array.isArray(v)) return v.some((inner) => hasSecretField(inner, underSecret, depth + 1, seen));
    if (!isPlainObject(v)) return false;
    for (const key in v) if (hasSecretField((v as Record<string, unknown>)[key], isSecretName(key), depth + 1, seen)) return true;
    return false;
  } finally {
    seen.delete(v);
  }
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The forms a value takes in the text of an output: as is, inside JSON, inside HTML/XML. */
function spellings(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const html = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  return [value, json, html];
}

/** Masks known secret values in text. */
export class SecretMask {
  /** The values, as given (deduplicated), longest first. */
  readonly values: readonly string[];
  private readonly pattern?: RegExp;

  constructor(values: Iterable<string | undefined>) {
    const kept = [...new Set([...values].filter((v): v is string => typeof v === 'string' && isMaskableValue(v)).map((v) => v.trim()))];
    this.values = kept.sort((a, b) => b.length - a.length);
    const forms = [...new Set(this.values.flatMap(spellings))].sort((a, b) => b.length - a.length);
    if (forms.length > 0) this.pattern = new RegExp(forms.map(escapeRegExp).join('|'), 'g');
  }

  /** `text` with every known secret value replaced by REDACTED. */
  text(text: string): string {
    if (!this.pattern || text.length < MIN_SECRET_LENGTH) return text;
    this.pattern.lastIndex = 0;
    return this.pattern.test(text) ? text.replace(this.pattern, REDACTED) : text;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

// The run's known secrets. One process runs one soak (the CLI, or a test calling runScenario),
// and the output paths are many and far apart (pino's streams, the results files, a child's
// log files, the terminal): a process-wide set is what every one of them can reach without
// threading a parameter through each constructor.
const extra = new Set<string>();
let current: SecretMask | undefined;

/**
 * Adds secrets the environment does not name (the scenario's simulator keys and probes' `env:`)
 * and re-reads the environment's: called when a run starts.
 */
export function addKnownSecrets(values: Iterable<string | undefined>): void {
  for (const v of values) if (typeof v === 'string' && isMaskableValue(v)) extra.add(v.trim());
  current = undefined;
}

/** The known secrets: the supervisor's secret-named environment variables plus those added. */
export function knownSecrets(): SecretMask {
  return (current ??= new SecretMask([...secretValuesOfEnv(process.env), ...extra]));
}

/** `text` with every known secret value masked: the last step before text leaves the process. */
export function maskSecrets(text: string): string {
  return knownSecrets().text(text);
}
