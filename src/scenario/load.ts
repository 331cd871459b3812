// Reads scenario files (YAML or JSON) and turns every problem into one ScenarioError that names
// the file, the key path and what was expected: users fix scenarios from this message alone.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageFile } from '../shared/module-file.ts';
import YAML from 'yaml';
import type { z } from 'zod';
import { COMMON_PROBE_KEYS, ScenarioSchema, type Scenario } from './schema.ts';
import { kindMetrics, probeKind, probeKinds, probeVenue, type ProbeKindValidation } from '../probes/index.ts';
import { requireProbeValidation } from '../probes/validation/index.ts';
import { resolveMetric, type KindMetrics } from '../shared/catalogue.ts';
import type { Threshold } from '../shared/threshold.ts';
import { resolveReportEvery } from './report-every.ts';
import { metricsPortClash } from './port-clash.ts';
import { compressScenario, type Compression } from './compress.ts';
import { shapeMessage } from './messages.ts';

export class ScenarioError extends Error {}

export interface ResolvedProbe {
  name: string;
  kind: string;
  /** The kind's options, validated and with defaults. */
  options: Record<string, unknown>;
  /** The keys of the probe's block that belong to its kind (`module:`, `command:`, …), validated. */
  own: Record<string, unknown>;
  /** The venue it talks to (its kind's, or the one its block names), if any. */
  venue?: string;
  /** What it reports: its kind's counters and gauges plus any its block declares. */
  metrics: KindMetrics;
  spec: Scenario['probes'][string];
  /** Which scenario file it came from. */
  file: string;
}

export interface LoadedScenario {
  scenario: Scenario;
  probes: ResolvedProbe[];
  files: string[];
  /** Set when --duration shortened the scenarios: what was scaled (src/scenario/compress.ts). */
  compression?: Compression;
}

function formatPath(keys: readonly PropertyKey[]): string {
  return keys.length === 0 ? '(top level)' : keys.map(String).join('.');
}

function formatIssues(file: string, issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): string {
  return issues
    .map((issue) => {
      const where = formatPath([...prefix, ...issue.path]);
      if (issue.code === 'unrecognized_keys') {
        return `${file}: ${where}: unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      }
      return `${file}: ${where}: ${shapeMessage(issue, where) ?? issue.message}`;
    })
    .join('\n');
}

function readDocument(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // `npx exsoak run scenarios/quick.yaml` from the README, in a project that installed exsoak:
    // the ready scenarios ship with the package, so say where.
    const shipped = packageFile(`scenarios/${path.basename(file)}`);
    const hint = code === 'ENOENT' && path.resolve(file) !== shipped && existsSync(shipped) ? `; exsoak's own ${path.basename(file)} is ${path.relative(process.cwd(), shipped)}` : '';
    throw new ScenarioError(`${file}: cannot read scenario file (${code === 'ENOENT' ? 'no such file' : code})${hint}`);
  }
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new ScenarioError(`${file}: not valid JSON: ${(err as Error).message}`);
    }
  }
  const doc = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ScenarioError(`${file}: not valid YAML: ${doc.errors.map((e) => e.message).join('\n')}`);
  }
  try {
    // maxAliasCount bounds alias expansion: a "billion laughs" document is refused, not expanded.
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ScenarioError(`${file}: not usable YAML: ${(err as Error).message}`);
  }
}

export interface Overrides {
  duration?: number;
  sampleInterval?: number;
  target?: 'sim' | 'live';
  seed?: number;
  metricsPort?: number;
  /** --report-every, ms: taken as given (not scaled). */
  reportEvery?: number;
}

export function loadScenarioFile(file: string): { scenario: Scenario; probes: ResolvedProbe[] } {
  return resolveScenario(readDocument(file), file);
}

/** A scenario given as an object (`soak()`): `label` names it in errors, `baseDir` resolves its relative paths. */
export interface ScenarioSource {
  document: unknown;
  label: string;
  baseDir: string;
}

/** Validates a scenario document; `file` names it in errors, relative paths resolve against `baseDir` (default: its folder). */
function resolveScenario(raw: unknown, file: string, baseDir?: string): { scenario: Scenario; probes: ResolvedProbe[] } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ScenarioError(`${file}: expected a mapping at the top level (name, duration, probes, …)`);
  }
  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success) throw new ScenarioError(formatIssues(file, parsed.error.issues));
  const scenario = parsed.data;
  const probes: ResolvedProbe[] = [];
  for (const [name, spec] of Object.entries(scenario.probes)) {
    if (!/^[a-z][a-z0-9_-]{0,63}$/i.test(name)) {
      throw new ScenarioError(`${file}: probes.${name.slice(0, 80)}: expected a probe name of at most 64 letters, digits, "_" or "-" (starting with a letter)`);
    }
    if (name === 'process') throw new ScenarioError(`${file}: probes.process: "process" is reserved for the process-wide scope`);
    const kind = probeKind(spec.kind);
    if (!kind) {
      throw new ScenarioError(
        `${file}: probes.${name}.kind: unknown probe kind "${spec.kind}" (expected one of ${probeKinds().join(', ')})`,
      );
    }
    const validation = requireProbeValidation(spec.kind);
    const options = validation.optionsSchema.safeParse(spec.options);
    if (!options.success) throw new ScenarioError(formatIssues(file, options.error.issues, ['probes', name, 'options']));
    let own = ownKeys(file, name, spec, validation);
    try {
      own = validation.check?.(own, { file, baseDir: baseDir ?? path.dirname(path.resolve(file)) }) ?? own;
    } catch (err) {
      throw new ScenarioError(`${file}: probes.${name}.${(err as Error).message}`);
    }
    if (spec.injectLeak !== undefined && kind.runner.type !== 'worker') {
      throw new ScenarioError(`${file}: probes.${name}.injectLeak: a ${spec.kind} probe runs as its own process; exsoak cannot make it retain memory (give the program its own leak switch)`);
    }
    const metrics = kindMetrics(spec.kind, own);
    spec.thresholds.forEach((t, i) => checkMetric(file, `probes.${name}.thresholds.${i}`, t.threshold, metrics));
    probes.push({ name, kind: spec.kind, options: options.data as Record<string, unknown>, own, venue: probeVenue(spec.kind, own), metrics, spec, file });
  }
  scenario.process.thresholds.forEach((t, i) => checkMetric(file, `process.thresholds.${i}`, t.threshold));
  return { scenario, probes };
}

/** Loads one or more scenario files into one run: probes from every file, settings from the first. */
export function loadScenarios(files: (string | ScenarioSource)[], overrides: Overrides = {}): LoadedScenario {
  if (files.length === 0) throw new ScenarioError('expected at least one scenario file');
  const loaded = files.map((f) => (typeof f === 'string' ? loadScenarioFile(f) : resolveScenario(f.document, f.label, f.baseDir)));
  const first = loaded[0]!.scenario;
  const probes: ResolvedProbe[] = [];
  const seen = new Map<string, string>();
  for (const { probes: fileProbes } of loaded) {
    for (const probe of fileProbes) {
      const earlier = seen.get(probe.name);
      if (earlier) {
        throw new ScenarioError(`${probe.file}: probes.${probe.name}: duplicate probe name (also in ${earlier})`);
      }
      seen.set(probe.name, probe.file);
      probes.push(probe);
    }
  }
  const scenario: Scenario = {
    ...first,
    name: loaded.map((l) => l.scenario.name).join('+'),
    duration: overrides.duration ?? Math.max(...loaded.map((l) => l.scenario.duration)),
    nominalDuration: first.nominalDuration ?? Math.max(...loaded.map((l) => l.scenario.duration)),
    sampleInterval: overrides.sampleInterval ?? first.sampleInterval,
    target: overrides.target ?? first.target,
    seed: overrides.seed ?? first.seed,
    process: { thresholds: loaded.flatMap((l) => l.scenario.process.thresholds) },
    simulators: Object.assign({}, ...loaded.map((l) => l.scenario.simulators)),
    metrics: { ...first.metrics, ...(overrides.metricsPort !== undefined ? { port: overrides.metricsPort } : {}) },
    probes: Object.fromEntries(probes.map((p) => [p.name, p.spec])),
  };
  scenario.report = { every: resolveReportEvery({ scenarioEvery: first.report.every, flag: overrides.reportEvery, durationMs: scenario.duration, nominalMs: scenario.nominalDuration! }) };
  if (scenario.sampleInterval <= 0) throw new ScenarioError('--sample-interval: expected a positive duration');
  const limit = maxProbes();
  if (probes.length > limit) {
    throw new ScenarioError(`${files[0]}: probes: ${probes.length} probes in one run; at most ${limit} on this machine (32 per core: each is a worker thread sampled every interval)`);
  }
  const clash = metricsPortClash(probes, scenario.metrics);
  if (clash) throw new ScenarioError(clash);
  const natural = Math.max(...loaded.map((l) => l.scenario.duration));
  const { scenario: run, compression } = compressScenario(scenario, natural, { sampleInterval: overrides.sampleInterval !== undefined });
  return { scenario: run, probes, files: files.map((f) => (typeof f === 'string' ? path.resolve(f) : f.label)), ...(compression ? { compression } : {}) };
}

/**
 * Probes one supervisor can sample on time. Measured on 2 shared cores (issue #18.7): 32 idle
 * probes keep a 1 s interval, 64 pass but start to miss it, 100 fail a fifth of their probes as
 * unresponsive with 2.2 GB RSS.
 */
export function maxProbes(cores = os.availableParallelism()): number {
  return Math.max(64, 32 * cores);
}

/** The probe block's keys beyond the common ones, validated by the kind's own schema. */
function ownKeys(file: string, name: string, spec: Record<string, unknown>, kind: ProbeKindValidation): Record<string, unknown> {
  const extra = Object.fromEntries(Object.entries(spec).filter(([key]) => !(COMMON_PROBE_KEYS as readonly string[]).includes(key)));
  if (!kind.specSchema) {
    const keys = Object.keys(extra);
    if (keys.length > 0) throw new ScenarioError(`${file}: probes.${name}: unknown key(s) ${keys.map((k) => `"${k}"`).join(', ')}`);
    return {};
  }
  const parsed = kind.specSchema.safeParse(extra);
  if (!parsed.success) throw new ScenarioError(formatIssues(file, parsed.error.issues, ['probes', name]));
  return parsed.data as Record<string, unknown>;
}

/** A threshold must name something the scope reports and evaluates: a typo would otherwise never fail. */
function checkMetric(file: string, where: string, th: Threshold, metrics?: KindMetrics): void {
  const resolved = resolveMetric(th, metrics === undefined ? 'process' : 'probe', metrics);
  if (!resolved.ok) throw new ScenarioError(`${file}: ${where}: ${resolved.message}`);
}
