// A results folder in memory for the report and `compare`: run.json and the NDJSON files, folded
// into compact per-probe columns as they stream in, beside the verdict it is given. Tolerates what
// a killed run leaves behind (a truncated last line). Reading verdict.json back (a schema check)
// is read-run.ts: the end of a run has its verdict in hand and loads no schema library.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ProbeEvent } from '../bus/types.ts';
import type { Verdict } from '../bus/verdict.ts';
import { forEachNdjson, type NdjsonStats } from './read-ndjson.ts';

/** One probe's (or the process's) samples as columns; NaN where a sample had no value. */
export interface ProbeSeries {
  name: string;
  t: number[];
  heapUsed: number[];
  heapTotal: number[];
  heapFloor: number[];
  /** 1 when heapFloor came from a full (mark-compact) GC. */
  floorMajor: number[];
  rss: number[];
  cpu: number[];
  elu: number[];
  /** The cumulative `messages` counter (NaN when the probe does not report it). */
  messages: number[];
  /** The latest counters of the run. */
  counters: Record<string, number>;
  /** Counters summed across resets (a restarted probe counts from 0 again). */
  totals: Record<string, number>;
  gauges: Record<string, { sum: number; n: number; max: number; last: number }>;
  unresponsive: number;
  /** Its samples' rss is its own process's (kind: process), not the supervisor's. */
  ownProcess?: boolean;
}

export interface RunData {
  dir: string;
  run?: Record<string, unknown>;
  verdict?: Verdict;
  /** Probe series in the order they first appear (the process's is in `process`). */
  probes: Map<string, ProbeSeries>;
  process?: ProbeSeries;
  events: ProbeEvent[];
  /** Probe kinds from run.json's resolved scenario, or the verdict. */
  kinds: Record<string, string>;
  startT: number;
  endT: number;
  sampleIntervalMs?: number;
  files: { samples?: NdjsonStats; events?: NdjsonStats };
  /** Human notes on what was missing or damaged. */
  notes: string[];
}

export class RunReadError extends Error {}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN);

export function newSeries(name: string): ProbeSeries {
  return { name, t: [], heapUsed: [], heapTotal: [], heapFloor: [], floorMajor: [], rss: [], cpu: [], elu: [], messages: [], counters: {}, totals: {}, gauges: {}, unresponsive: 0 };
}

export function readJson(file: string, notes: string[]): Record<string, unknown> | undefined {
  if (!existsSync(file)) {
    notes.push(`${path.basename(file)} is missing`);
    return undefined;
  }
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through: reported below
  }
  notes.push(`${path.basename(file)} is not valid JSON`);
  return undefined;
}

/** The folder's files with `verdict` (none: a killed run); `notes` carries notes already taken. */
export function collectRun(dir: string, given: { verdict?: Verdict; run?: Record<string, unknown>; notes?: string[] } = {}): RunData {
  checkResultsFolder(dir);
  const samplesFile = path.join(dir, 'samples.ndjson');
  const notes = given.notes ?? [];
  const run = given.run ?? readJson(path.join(dir, 'run.json'), notes);
  const verdict = given.verdict;

  const data: RunData = { dir, run, verdict, probes: new Map(), events: [], kinds: {}, startT: Number.NaN, endT: Number.NaN, files: {}, notes };
  const resolved = run?.resolved as { probes?: Record<string, { kind?: string }>; sampleInterval?: number } | undefined;
  for (const [name, p] of Object.entries(resolved?.probes ?? {})) if (typeof p?.kind === 'string') data.kinds[name] = p.kind;
  for (const [name, p] of Object.entries(verdict?.probes ?? {})) data.kinds[name] ??= p.kind;
  if (typeof resolved?.sampleInterval === 'number') data.sampleIntervalMs = resolved.sampleInterval;

  if (existsSync(samplesFile)) data.files.samples = forEachNdjson(samplesFile, (rec) => addSample(data, checkedTime(samplesFile, rec)));
  else notes.push('samples.ndjson is missing');
  const eventsFile = path.join(dir, 'events.ndjson');
  if (existsSync(eventsFile)) {
    data.files.events = forEachNdjson(eventsFile, (rec) => {
      checkedTime(eventsFile, rec);
      if (typeof rec.t === 'number' && typeof rec.probe === 'string' && typeof rec.kind === 'string') data.events.push(rec as unknown as ProbeEvent);
    });
    data.events.sort((a, b) => a.t - b.t);
  }
  for (const [name, stats] of Object.entries(data.files)) {
    if (stats.skipped > 0) notes.push(`${name}.ndjson: ${stats.skipped} unreadable line(s) skipped${stats.truncatedTail ? ' (the last line was cut short, as after a kill)' : ''}`);
  }

  const started = Date.parse(String(run?.startedAt ?? ''));
  const ended = Date.parse(String(run?.endedAt ?? ''));
  const seen = [...data.probes.values(), ...(data.process ? [data.process] : [])].flatMap((s) => (s.t.length ? [s.t[0]!, s.t.at(-1)!] : []));
  const eventTimes = data.events.length ? [data.events[0]!.t, data.events.at(-1)!.t] : [];
  const all = [...seen, ...eventTimes];
  data.startT = Number.isFinite(started) ? started : all.length ? Math.min(...all) : Date.now();
  data.endT = Number.isFinite(ended) ? ended : all.length ? Math.max(...all) : data.startT;
  if (data.endT <= data.startT) data.endT = data.startT + 1000;
  return data;
}

/** Throws unless `dir` holds a run's files. */
export function checkResultsFolder(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new RunReadError(`${dir}: not a results folder (no such directory)`);
  if (!existsSync(path.join(dir, 'samples.ndjson')) && !existsSync(path.join(dir, 'run.json'))) {
    throw new RunReadError(`${dir}: not a results folder (no run.json nor samples.ndjson)`);
  }
}

/** Past this a timestamp (ms since 1970) is no clock reading: year 33658. */
const MAX_T = 1e15;

/** A record's `t`, when present, must be a plausible time: `1e400` parses to Infinity and the charts would never end. */
function checkedTime(file: string, rec: Record<string, unknown>): Record<string, unknown> {
  if ('t' in rec && (typeof rec.t !== 'number' || !Number.isFinite(rec.t) || Math.abs(rec.t) > MAX_T)) {
    throw new RunReadError(`${file}: t: expected a time in ms since 1970, got ${JSON.stringify(rec.t) ?? String(rec.t)}`);
  }
  return rec;
}

function addSample(data: RunData, rec: Record<string, unknown>): void {
  const probe = rec.probe;
  const t = rec.t;
  if (typeof probe !== 'string' || typeof t !== 'number') return;
  // Probe names become terminal output and HTML: only what a scenario could have named.
  if (!/^[a-z][a-z0-9_-]{0,63}$/i.test(probe)) throw new RunReadError(`${data.dir}/samples.ndjson: probe: expected a probe name, got ${JSON.stringify(probe.slice(0, 80))}`);
  let s = probe === 'process' ? data.process : data.probes.get(probe);
  if (!s) {
    s = newSeries(probe);
    if (probe === 'process') data.process = s;
    else data.probes.set(probe, s);
  }
  s.t.push(t);
  s.heapUsed.push(num(rec.heapUsed));
  s.heapTotal.push(num(rec.heapTotal));
  s.heapFloor.push(num(rec.heapFloor));
  s.floorMajor.push(rec.heapFloorMajor === true ? 1 : 0);
  s.rss.push(num(rec.rss));
  if (rec.ownProcess === true) s.ownProcess = true;
  s.cpu.push(num(rec.cpu));
  s.elu.push(num(rec.elu));
  if (rec.unresponsive === true) s.unresponsive++;
  const counters = (rec.counters && typeof rec.counters === 'object' ? rec.counters : {}) as Record<string, unknown>;
  s.messages.push(num(counters.messages));
  // A counter lower than before means the probe started over: all of its new totals are new.
  const restarted = Object.entries(counters).some(([name, raw]) => s.counters[name] !== undefined && num(raw) < s.counters[name]!);
  if (restarted) s.counters = {};
  for (const [name, raw] of Object.entries(counters)) {
    const v = num(raw);
    if (Number.isNaN(v)) continue;
    const prev = s.counters[name];
    s.totals[name] = (s.totals[name] ?? 0) + (prev === undefined ? v : Math.max(0, v - prev));
    s.counters[name] = v;
  }
  const gauges = (rec.gauges && typeof rec.gauges === 'object' ? rec.gauges : {}) as Record<string, unknown>;
  for (const [name, raw] of Object.entries(gauges)) {
    const v = num(raw);
    if (Number.isNaN(v)) continue;
    const g = (s.gauges[name] ??= { sum: 0, n: 0, max: Number.NEGATIVE_INFINITY, last: v });
    g.sum += v;
    g.n++;
    g.max = Math.max(g.max, v);
    g.last = v;
  }
}

/** The floor series a leak is judged on: full-GC floors once there are any (see MetricScope). */
export function floorPoints(s: ProbeSeries): { t: number[]; y: number[] } {
  const anyMajor = s.floorMajor.some((m) => m === 1);
  const t: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < s.t.length; i++) {
    const v = s.heapFloor[i]!;
    if (Number.isNaN(v) || (anyMajor && s.floorMajor[i] !== 1)) continue;
    t.push(s.t[i]!);
    y.push(v);
  }
  return { t, y };
}

/** Messages per second between consecutive samples (NaN where unknown). */
export function messageRates(s: ProbeSeries): { t: number[]; y: number[] } {
  const t: number[] = [];
  const y: number[] = [];
  let prevT = Number.NaN;
  let prevN = Number.NaN;
  for (let i = 0; i < s.t.length; i++) {
    const n = s.messages[i]!;
    const ti = s.t[i]!;
    if (!Number.isNaN(n) && !Number.isNaN(prevN) && ti > prevT) {
      t.push(ti);
      y.push(((n >= prevN ? n - prevN : n) * 1000) / (ti - prevT));
    }
    if (!Number.isNaN(n)) {
      prevT = ti;
      prevN = n;
    }
  }
  return { t, y };
}
