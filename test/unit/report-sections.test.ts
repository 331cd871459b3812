// The report's section renderers on their own (report.test.ts renders whole pages).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProbeEvent } from '../../src/bus/types.ts';
import type { Verdict } from '../../src/bus/verdict.ts';
import { eventCategory } from '../../src/results/report-markers.ts';
import { redactSecretFields as redact } from '../../src/shared/secrets.ts';
import { verdictTable } from '../../src/results/report-verdict.ts';

const verdict: Verdict = {
  pass: false,
  scenario: 's',
  partial: false,
  reason: 'a criterion failed',
  durationMs: 1000,
  probes: {
    ws: { pass: false, kind: 'binance', status: 'ok', criteria: [{ expr: 'gaps == 0', value: 3, pass: false }] },
    quiet: { pass: true, kind: 'idle', status: 'ok', criteria: [] },
  },
  process: { pass: true, criteria: [{ expr: 'rss < 500MB', value: null, note: 'no samples', pass: true }] },
};

test('verdict table: one row per criterion, FAIL marked, the value or its note, (no criteria) for a probe without any', () => {
  const html = verdictTable(verdict, []);
  const rows = html.match(/<tr><td>/g) ?? [];
  assert.equal(rows.length, 3);
  assert.match(html, /<td>ws<\/td><td><code>gaps == 0<\/code><\/td><td class="v">3<\/td><td class="r fail">FAIL<\/td>/);
  assert.match(html, /<td>quiet<\/td><td><code>\(no criteria\)<\/code><\/td><td class="v">ok<\/td><td class="r pass">pass<\/td>/);
  assert.match(html, /<td>process<\/td><td><code>rss &lt; 500MB<\/code><\/td><td class="v">no samples<\/td>/);
});

test('verdict table: a leak estimate is an info row beside the criteria', () => {
  const html = verdictTable(verdict, [{ name: 'ws', samples: 10, orders: {}, latency: {}, leak: { slopeMbPerH: 2.5, status: 'confirmed' } } as never]);
  assert.match(html, /heap floor leak check \(Theil–Sen\)<\/code><\/td><td class="v">\+2\.5 MB\/h confirmed<\/td><td class="r muted">info<\/td>/);
});

test('verdict table: no verdict says the run did not finish', () => {
  assert.match(verdictTable(undefined, []), /No verdict\.json/);
});

test('the report masks secret-ish keys at any depth (the shared rule), keeps objects and other values', () => {
  const out = redact({ apiKey: 'k', nested: [{ password: 'p', keep: 1 }], credentials: { token: 't' }, name: 'x' });
  assert.deepEqual(out, { apiKey: '[redacted]', nested: [{ password: '[redacted]', keep: 1 }], credentials: { token: '[redacted]' }, name: 'x' });
});

test('event categories: an unscheduled disconnect is a fault, a scheduled one a connection event; unknown kinds by name', () => {
  const e = (kind: string, data?: Record<string, unknown>): ProbeEvent => ({ t: 0, probe: 'p', kind, data }) as ProbeEvent;
  assert.equal(eventCategory(e('disconnect', { scheduled: false })), 'fault');
  assert.equal(eventCategory(e('disconnect', { scheduled: true })), 'conn');
  assert.equal(eventCategory(e('snapshot')), 'snapshot');
  assert.equal(eventCategory(e('socket-failure')), 'fault');
  assert.equal(eventCategory(e('custom')), 'life');
});
