import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PromScraper, ResetAwareCounter, fetchMetricsText, parseMetricValues } from '../../src/sampling/prom-scrape.ts';

test('a counter that drops has reset: the new value is all increase, like rate()', () => {
  const c = new ResetAwareCounter();
  assert.equal(c.update(10), 10);
  assert.equal(c.update(25), 25);
  assert.equal(c.update(3), 28, 'restart: 25 carried + 3 counted since');
  assert.equal(c.update(3), 28, 'unchanged is not a reset');
  assert.equal(c.update(0), 28, 'a restart that counted nothing yet');
  assert.equal(c.update(7), 35);
  assert.equal(c.resets, 2);
});

test('the scraper maps names, sums label sets, reports resets and missing series', () => {
  const scraper = new PromScraper({ url: 'http://unused', counters: { messages: 'msgs_total', 'drops.unscheduled': 'drops', never: 'nope_total' }, gauges: { lag_ms: 'lag' } });
  const text = (msgs: number, drops: number) =>
    `# TYPE msgs counter\nmsgs_total{stream="a"} ${msgs}\nmsgs_total{stream="b"} 1\n# TYPE drops counter\ndrops_total ${drops}\n# TYPE lag gauge\nlag 12.5\n`;
  let r = scraper.apply(parseMetricValues(text(100, 2)));
  assert.deepEqual(r.counters, { messages: 101, 'drops.unscheduled': 2, never: 0 });
  assert.deepEqual(r.gauges, { lag_ms: 12.5 });
  assert.deepEqual(r.missing, ['never']);
  assert.deepEqual(r.resets, []);
  r = scraper.apply(parseMetricValues(text(4, 0)));
  assert.deepEqual(r.resets, ['messages', 'drops.unscheduled']);
  assert.deepEqual(r.counters, { messages: 101 + 5, 'drops.unscheduled': 2, never: 0 });
  r = scraper.apply(parseMetricValues(text(9, 1)));
  assert.deepEqual(r.counters, { messages: 101 + 10, 'drops.unscheduled': 3, never: 0 });
});

test('histograms and summaries contribute _count and _sum; NaN is ignored', () => {
  const values = parseMetricValues('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 3\nh_sum 4.5\nh_count 3\n# TYPE g gauge\ng NaN\n');
  assert.equal(values.get('h_count'), 3);
  assert.equal(values.get('h_sum'), 4.5);
  assert.equal(values.has('g'), false);
});

test('a scrape is bounded in size and time, and names the URL', async () => {
  let mode: 'ok' | 'big' | 'slow' | '500' = 'ok';
  const server = createServer((req, res) => {
    if (mode === 'slow') return; // never answers
    if (mode === '500') return res.writeHead(500).end();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(mode === 'big' ? 'x'.repeat(100_000) : 'm_total 5\n');
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  try {
    assert.equal(await fetchMetricsText(url, { timeoutMs: 1000, maxBytes: 1000 }), 'm_total 5\n');
    mode = 'big';
    await assert.rejects(fetchMetricsText(url, { timeoutMs: 1000, maxBytes: 1000 }), new RegExp(`GET ${url}: body larger than 1000 bytes`));
    mode = '500';
    await assert.rejects(fetchMetricsText(url, { timeoutMs: 1000, maxBytes: 1000 }), /HTTP 500/);
    mode = 'slow';
    const t0 = Date.now();
    await assert.rejects(fetchMetricsText(url, { timeoutMs: 300, maxBytes: 1000 }), /no (complete )?answer within 300 ms/);
    assert.ok(Date.now() - t0 < 2000);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
