// A strict parser for the Prometheus text exposition format (0.0.4), for tests: it throws on
// anything a Prometheus server would reject or that hides a bug (a sample before its TYPE, a
// family split in two, a duplicate series, a bad name, label or escape), so a test that parses
// a scrape also checks that the scrape is well-formed.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestamp?: number;
}

export interface PromFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: PromSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export class PromParseError extends Error {}

function parseValue(text: string, line: number): number {
  // Prometheus reads values with Go's strconv.ParseFloat: NaN and Inf in any case (prom-client
  // writes "Nan").
  if (/^nan$/i.test(text)) return Number.NaN;
  if (/^\+?inf(inity)?$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new PromParseError(`line ${line}: bad value "${text}"`);
  return Number(text);
}

/** The family a sample name belongs to (histogram and summary samples carry suffixes). */
function familyOf(name: string, families: Map<string, PromFamily>): PromFamily | undefined {
  const direct = families.get(name);
  if (direct) return direct;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const f = families.get(name.slice(0, -suffix.length));
    if (f && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return f;
  }
  return undefined;
}

function parseLabels(text: string, line: number): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1; // after '{'
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const nameMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i));
    if (!nameMatch) throw new PromParseError(`line ${line}: bad label name at "${text.slice(i, i + 20)}"`);
    const name = nameMatch[0];
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new PromParseError(`line ${line}: reserved or bad label name "${name}"`);
    if (name in labels) throw new PromParseError(`line ${line}: label "${name}" repeated`);
    i += name.length;
    if (text[i] !== '=' || text[i + 1] !== '"') throw new PromParseError(`line ${line}: expected ="…" after label ${name}`);
    i += 2;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new PromParseError(`line ${line}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[i + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw new PromParseError(`line ${line}: bad escape \\${next} in label value`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    labels[name] = value;
    i++; // closing quote
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new PromParseError(`line ${line}: expected , or } after label ${name}`);
  }
}

export function parsePromText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  const finished = new Set<string>();
  const seriesSeen = new Set<string>();
  let current: PromFamily | undefined;
  if (text.length > 0 && !text.endsWith('\n')) throw new PromParseError('the exposition must end with a newline');
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!;
    const line = n + 1;
    if (raw.trim() === '') continue;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(raw);
      if (!m) continue; // a plain comment
      const [, what, name, rest = ''] = m;
      if (!METRIC_NAME.test(name!)) throw new PromParseError(`line ${line}: bad metric name "${name}"`);
      let family = families.get(name!);
      if (family && finished.has(name!)) throw new PromParseError(`line ${line}: ${what} for ${name} after its samples ended (family split)`);
      if (!family) {
        if (current) finished.add(current.name);
        family = { name: name!, type: 'untyped', samples: [] };
        families.set(name!, family);
        current = family;
      }
      if (what === 'TYPE') {
        if (!TYPES.has(rest)) throw new PromParseError(`line ${line}: unknown type "${rest}"`);
        if (family.samples.length > 0) throw new PromParseError(`line ${line}: TYPE of ${name} after its samples`);
        family.type = rest as MetricType;
      } else {
        if (family.help !== undefined) throw new PromParseError(`line ${line}: second HELP for ${name}`);
        family.help = rest;
      }
      continue;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(raw);
    if (!nameMatch) throw new PromParseError(`line ${line}: bad sample line "${raw}"`);
    const name = nameMatch[0];
    let rest = raw.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest, line));
    const parts = rest.trim().split(/\s+/);
    if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2) throw new PromParseError(`line ${line}: expected "value [timestamp]" in "${raw}"`);
    const value = parseValue(parts[0]!, line);
    const timestamp = parts[1] !== undefined ? Number(parts[1]) : undefined;
    if (timestamp !== undefined && !Number.isInteger(timestamp)) throw new PromParseError(`line ${line}: bad timestamp`);
    let family = familyOf(name, families);
    if (!family) {
      // An untyped sample without metadata starts its own family.
      if (current) finished.add(current.name);
      family = { name, type: 'untyped', samples: [] };
      families.set(name, family);
      current = family;
    }
    if (family !== current) throw new PromParseError(`line ${line}: sample of ${family.name} outside its family's block`);
    if (family.type === 'counter' && !(value >= 0)) throw new PromParseError(`line ${line}: counter ${name} has value ${value}`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seriesSeen.has(key)) throw new PromParseError(`line ${line}: duplicate series ${name}${JSON.stringify(labels)}`);
    seriesSeen.add(key);
    family.samples.push({ name, labels, value, ...(timestamp !== undefined ? { timestamp } : {}) });
  }
  return families;
}

/** The value of one series, or undefined. */
export function promValue(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = familyOf(name, families);
  const sample = family?.samples.find(
    (s) => s.name === name && Object.keys(labels).every((k) => s.labels[k] === labels[k]) && Object.keys(s.labels).length === Object.keys(labels).length,
  );
  return sample?.value;
}
