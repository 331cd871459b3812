// zod's wording ("Invalid input: expected record, received array") tells a YAML author neither
// what shape is wanted nor how to write it: say it in YAML terms, with an example.
import type { z } from 'zod';

const EXAMPLES: [RegExp, string][] = [
  [/^probes$/, 'probes:\n  binance:\n    kind: binance'],
  [/^simulators$/, 'simulators:\n  binance: { rate: 10 }'],
  [/^probes\.[^.]+\.options$/, 'options: { symbols: [BTCUSDT] }'],
  [/^probes\.[^.]+\.resourceLimits$/, 'resourceLimits: { maxOldGenerationSizeMb: 256 }'],
  [/^leak$/, 'leak: { warmup: 30s, budget: 50MB }'],
  [/^snapshots$/, 'snapshots: { max: 4 }'],
  [/^process$/, 'process:\n  thresholds: ["rss_mb.max < 450"]'],
  [/^metrics$/, 'metrics: { port: 9091 }'],
];

const NAMES: Record<string, string> = { array: 'a list', object: 'a mapping', string: 'a string', number: 'a number', boolean: 'true/false', null: 'nothing', undefined: 'nothing' };

/** A friendlier message for shape errors; undefined keeps zod's own. */
export function shapeMessage(issue: z.core.$ZodIssue, where: string): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  const kind = /received (\w+)/.exec(issue.message)?.[1] ?? '';
  const got = NAMES[kind] ?? (kind || 'something else');
  const example = EXAMPLES.find(([re]) => re.test(where))?.[1];
  const eg = example ? `, e.g.\n${example.replace(/^/gm, '    ')}` : '';
  if (issue.expected === 'record' || issue.expected === 'object') {
    const what = issue.expected === 'record' ? 'a mapping of names to settings (NAME: …)' : 'a mapping of keys to values (key: value)';
    return `expected ${what}, got ${got}${eg}`;
  }
  if (issue.expected === 'array') return `expected a list (- item, or [a, b]), got ${got}${eg}`;
  return undefined;
}
