// `python: true` through the whole run (supervisor, verdict, outputs): a leaking Python client
// is confirmed on its Python heap floor and blamed on its dict and line; a healthy one passes
// with no culprits; one whose agent cannot load is still judged, on RSS, saying why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderJunit } from '../../src/results/junit.ts';
import { runScenario } from '../helpers/run.ts';

const CLIENT = fileURLToPath(new URL('../fixtures/python/client.py', import.meta.url));

function scenario(env: Record<string, string>, command: string[] = ['python3', CLIENT], readyTimeout = '30s', python: true | { depth: number } = true) {
  return {
    name: 'python-probe',
    duration: '20s',
    nominalDuration: '24h',
    sampleInterval: '500ms',
    gcFloorInterval: '500ms',
    leak: { warmup: '3s' },
    snapshots: { minInterval: '1s', secondAfter: '3s' },
    probes: {
      pybot: {
        kind: 'process',
        command,
        python,
        env: { RATE: '400', ...env },
        ready: { line: 'ready', timeout: readyTimeout },
        thresholds: ['heap_floor_mb.growth < 500'],
      },
    },
  };
}

test('a leaking Python client (python: { depth: 8 }): confirmed on its heap floor, culprits name Client.seen and client.py:26', { timeout: 240_000 }, async () => {
  const { verdict, dir, samples, events } = await runScenario(scenario({ MODE: 'leak' }, undefined, undefined, { depth: 8 }));
  const probe = verdict.probes.pybot!;
  assert.equal(probe.leak?.series, 'heap_floor_mb');
  assert.equal(probe.leak?.status, 'confirmed', JSON.stringify(probe.leak));
  assert.equal(verdict.pass, false);
  const floors = samples.filter((s) => s.probe === 'pybot' && s.heapFloor !== null && s.heapFloorMajor);
  assert.ok(floors.length >= 5, `floors: ${floors.length}`);
  const culprits = probe.leak?.culprits ?? [];
  assert.ok(culprits.some((c) => c.kind === 'holder' && c.holder === 'dict (Client.seen)'), JSON.stringify(culprits, null, 1));
  assert.ok(culprits.some((c) => c.kind === 'allocation' && c.location?.endsWith('client.py:26')), JSON.stringify(culprits, null, 1));
  // The looks are kept as evidence: 0600, announced like any snapshot.
  const looks = events.filter((e) => e.probe === 'pybot' && e.kind === 'snapshot');
  assert.ok(looks.length >= 2, JSON.stringify(events.filter((e) => e.kind.startsWith('snapshot'))));
  for (const file of readdirSync(path.join(dir, 'snapshots'))) {
    assert.match(file, /\.pylook\.json$/);
    assert.equal(statSync(path.join(dir, 'snapshots', file)).mode & 0o777, 0o600);
  }
  // Shown where a worker's culprits are: the JUnit case and the report.
  assert.match(readFileSync(path.join(dir, 'report.html'), 'utf8'), /Client\.seen/);
  assert.match(renderJunit(verdict), /culprits:\s+- dict \(Client\.seen\)/);
});

test('a healthy Python client: no culprits, no failure', { timeout: 240_000 }, async () => {
  const { verdict, exitCode } = await runScenario(scenario({ MODE: 'healthy' }));
  const probe = verdict.probes.pybot!;
  assert.equal(probe.leak?.series, 'heap_floor_mb');
  assert.notEqual(probe.leak?.status, 'confirmed', JSON.stringify(probe.leak));
  assert.equal(probe.leak?.culprits, undefined);
  assert.equal(probe.pass, true, JSON.stringify(probe.criteria));
  assert.equal(exitCode, 0);
});

test('python -I: the agent cannot load; the leak is judged on RSS and the reason says why', { timeout: 240_000 }, async () => {
  const { verdict, samples } = await runScenario(scenario({ MODE: 'healthy' }, ['python3', '-I', CLIENT], '6s'));
  const probe = verdict.probes.pybot!;
  assert.equal(probe.leak?.series, 'rss_mb');
  assert.match(probe.leak?.reason ?? '', /Python agent never connected within 6 s \(not CPython ≥ 3\.9, or started with -I/);
  assert.ok(samples.some((s) => s.probe === 'pybot' && s.rss > 0));
});
