import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { RunSeries } from '../../src/metrics/series.ts';
import { VerdictGauges } from '../../src/metrics/verdict-gauges.ts';
import { promtool } from '../helpers/prometheus.ts';
import { tempDir } from '../helpers/run.ts';

const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
const PROM = path.join(DOCS, 'prometheus');

test('alerts.yml and recording.yml load (promtool check rules)', () => {
  const res = promtool(['check', 'rules', 'alerts.yml', 'recording.yml'], PROM);
  assert.equal(res.code, 0, res.out);
  assert.match(res.out, /SUCCESS: 9 rules found/);
});

test('the alert rules do what they say (promtool test rules alerts.test.yml)', () => {
  const res = promtool(['test', 'rules', 'alerts.test.yml'], PROM);
  assert.equal(res.code, 0, res.out);
  assert.match(res.out, /SUCCESS/);
});

test('the fleet config with file-based service discovery is valid, and a bad targets file is caught', () => {
  const ok = promtool(['check', 'config', 'prometheus.yml'], PROM);
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /prometheus\.yml is valid/);
  // The check reads the SD files themselves: a broken one fails it.
  const copy = tempDir('exsoak-promcfg-');
  cpSync(PROM, copy, { recursive: true });
  writeFileSync(path.join(copy, 'targets', 'broken.json'), JSON.stringify([{ targets: ['soak-9:9091'], labels: { '9bad': 'x' } }]));
  const bad = promtool(['check', 'config', 'prometheus.yml'], copy);
  assert.notEqual(bad.code, 0, bad.out);
  assert.match(bad.out, /broken\.json|not a valid label name/);
});

test('every series the rules use is served and documented', async () => {
  const registry = new Registry();
  new RunSeries(registry);
  new VerdictGauges(registry);
  const served = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
  const documented = readFileSync(path.join(DOCS, 'metrics.md'), 'utf8');
  const rules = readFileSync(path.join(PROM, 'alerts.yml'), 'utf8') + readFileSync(path.join(PROM, 'recording.yml'), 'utf8');
  const used = new Set([...rules.matchAll(/\b(exsoak_[a-z_]+)\b/g)].map((m) => m[1]!));
  assert.ok(used.size >= 8, [...used].join(', '));
  for (const name of used) {
    assert.ok(served.has(name), `${name} is used by a rule but not served`);
    assert.ok(documented.includes(`\`${name}\``), `${name} is not in docs/metrics.md`);
  }
});
