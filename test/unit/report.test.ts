import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { forEachNdjson } from '../../src/results/read-ndjson.ts';
import { downsample, downsampleSegment, pointCount, segments } from '../../src/results/downsample.ts';
import { leastSquares, mbPerHour, theilSen } from '../../src/results/trend.ts';
import { floorPoints, messageRates, readRun, RunReadError } from '../../src/results/read-run.ts';
import { renderRunData, writeReport } from '../../src/results/report.ts';
import { summarizeRun } from '../../src/results/run-summary.ts';
import { niceTicks } from '../../src/results/svg-chart.ts';
import type { Verdict } from '../../src/bus/verdict.ts';
import { tempDir } from '../helpers/run.ts';
import { fakeRun, flat, leaking, MB, T0 } from '../helpers/fake-run.ts';

test('NDJSON: lines split across chunks and multi-byte characters survive; a truncated last line is skipped, not fatal', () => {
  const dir = tempDir();
  const file = path.join(dir, 'x.ndjson');
  const records = Array.from({ length: 50 }, (_, i) => ({ i, text: 'é€😀'.repeat(i % 5) }));
  writeFileSync(file, records.map((r) => JSON.stringify(r) + '\n').join('') + '{"i": 50, "te');
  const seen: unknown[] = [];
  const stats = forEachNdjson(file, (r) => seen.push(r), 7);
  assert.deepEqual(seen, records);
  assert.deepEqual(stats, { lines: 51, skipped: 1, truncatedTail: true });
  appendFileSync(file, '\nnot json\n[1,2]\n');
  const again = forEachNdjson(file, () => {});
  assert.equal(again.skipped, 3);
  assert.equal(again.truncatedTail, false);
});

test('Theil–Sen finds the slope through outliers where least squares tilts; its interval covers the truth', () => {
  const xs = Array.from({ length: 60 }, (_, i) => i * 1000);
  const ys = xs.map((x, i) => 5 * MB + x * 2 + ((i * 7919) % 13) * 100);
  ys[3] = 50 * MB; // one wild point (a GC that did not finish), early
  ys[4] = 40 * MB;
  const ts = theilSen(xs, ys)!;
  const ls = leastSquares(xs, ys)!;
  assert.ok(Math.abs(ts.slope - 2) < 0.05, `Theil–Sen slope ${ts.slope}`);
  assert.ok(Math.abs(ls.slope - 2) > 1, `least squares is pulled away (${ls.slope})`);
  assert.ok(ts.low! <= 2 && ts.high! >= 2, `interval [${ts.low}, ${ts.high}] covers 2`);
  assert.ok(Math.abs(ts.intercept - 5 * MB) < 2000);
  assert.equal(Math.round(mbPerHour(MB / 3_600_000)), 1);
  // A long series is reduced first, and still right.
  const lx = Array.from({ length: 20_000 }, (_, i) => i * 1000);
  const long = theilSen(lx, lx.map((x) => 3 * x + 1000))!;
  assert.ok(long.n <= 400);
  assert.ok(Math.abs(long.slope - 3) < 1e-9);
  assert.equal(theilSen([1], [1]), undefined);
  assert.equal(leastSquares([1, 1], [1, 2]), undefined);
});

test('downsampling keeps at most ~maxPoints, keeps every peak, and breaks lines at gaps and missing values', () => {
  const n = 86_400;
  const t = Array.from({ length: n }, (_, i) => i * 1000);
  const y = t.map((_, i) => Math.sin(i / 500) + (i === 43_210 ? 50 : 0) - (i === 1234 ? 40 : 0));
  const [seg] = segments(t, y);
  const d = downsampleSegment(seg!, 1000);
  assert.ok(d.t.length <= 1000, `${d.t.length} points`);
  assert.ok(d.y.includes(Math.max(...y)), 'the spike survives');
  assert.ok(d.y.includes(Math.min(...y)), 'the dip survives');
  for (let i = 1; i < d.t.length; i++) assert.ok(d.t[i]! > d.t[i - 1]!, 'time order');

  const gappy = segments([0, 1000, 2000, 60_000, 61_000, 62_000, 63_000], [1, 2, Number.NaN, 4, 5, 6, 7], 5000);
  assert.deepEqual(gappy.map((s) => s.t), [[0, 1000], [60_000, 61_000, 62_000, 63_000]]);
  const many = segments(t, t.map((_, i) => (i % 10_000 === 0 ? Number.NaN : i)));
  assert.ok(pointCount(downsample(many, 1000)) <= 1000 + 2 * many.length);
  assert.deepEqual(niceTicks(10.3, 11.36).ticks, [10.25, 10.5, 10.75, 11, 11.25, 11.5]);
});

test('reading a run: columns per probe, full-GC floors, message rates, counters summed across a restart', () => {
  const dir = fakeRun({ probes: [{ name: 'bn', kind: 'binance', floor: leaking, messagesPerSec: 50 }], seconds: 20 });
  // A restart: messages start over from 0.
  appendFileSync(path.join(dir, 'samples.ndjson'), JSON.stringify({ t: T0 + 21_000, probe: 'bn', heapUsed: MB, heapTotal: MB, external: 0, heapLimit: 0, detachedContexts: 0, heapFloor: null, heapFloorMajor: false, rss: MB, cpu: 0, elu: null, threadCpu: null, counters: { messages: 30, ws_reconnects: 1 }, gauges: { 'latency_ms.p50': 12 } }) + '\n');
  const data = readRun(dir);
  const bn = data.probes.get('bn')!;
  assert.equal(bn.t.length, 21);
  assert.equal(data.process!.t.length, 20);
  assert.equal(floorPoints(bn).t.length, 10, 'only the full-GC floors');
  const rates = messageRates(bn);
  assert.ok(rates.y.slice(0, -1).every((r) => Math.abs(r - 50) < 1), 'about 50 msg/s');
  assert.equal(bn.totals.messages, 1000 + 30);
  assert.equal(bn.totals.ws_reconnects, 2, 'the reconnect after the restart is a new one');
  const fig = summarizeRun(data).probes[0]!;
  assert.ok(Math.abs(fig.floorSlopeMbPerH! - (100 * 3600) / 1024) < 1, `floor slope ${fig.floorSlopeMbPerH} MB/h`);
  assert.equal(fig.slopeSource, 'samples');
  assert.equal(fig.latency['latency_ms.p50'], 12);
  assert.throws(() => readRun(path.join(dir, 'nope')), RunReadError);
  assert.throws(() => readRun(tempDir()), /not a results folder/);
});

function charts(html: string): { id: string; paths: { cls: string; points: number }[] }[] {
  const out: { id: string; paths: { cls: string; points: number }[] }[] = [];
  for (const m of html.matchAll(/<figure class="chart" id="([^"]+)">([\s\S]*?)<\/figure>/g)) {
    const paths = [...m[2]!.matchAll(/<path class="([^"]+)" data-points="(\d+)"/g)].map((p) => ({ cls: p[1]!, points: Number(p[2]) }));
    out.push({ id: m[1]!, paths });
  }
  return out;
}

test('the report: self-contained, one heap chart per probe with floor and trend, process and message-rate charts, event pins', () => {
  const events = [
    { t: T0 + 10, probe: 'bn', kind: 'start', data: { kind: 'binance' } },
    { t: T0 + 3000, probe: 'bn', kind: 'disconnect', data: { scheduled: false, code: 1006 } },
    { t: T0 + 3500, probe: 'bn', kind: 'connect', data: { reconnect: true } },
    { t: T0 + 6000, probe: 'lk', kind: 'crash', data: { error: '<script>alert(1)</script>' } },
    { t: T0 + 7000, probe: 'process', kind: 'breach', data: { expr: 'rss_mb.max < 1', value: 150 } },
    { t: T0 + 8000, probe: 'lk', kind: 'snapshot', data: { file: 'snapshots/lk.heapsnapshot' } },
    { t: T0 + 9000, probe: 'bn', kind: 'state', data: { from: 'IDLE', to: 'QUOTING' } },
  ];
  const dir = fakeRun({
    probes: [
      { name: 'bn', kind: 'binance', floor: flat, messagesPerSec: 80 },
      { name: 'lk', kind: 'leaky', floor: leaking },
    ],
    seconds: 30,
    events,
    verdict: {
      pass: false,
      process: {
        pass: true,
        criteria: [],
        leak: { rss: { status: 'none', points: 12, slopeMbPerH: 12.5, lowMbPerH: 1, highMbPerH: 20, pValue: 0.2, budgetMb: 100 }, workersSlopeMbPerH: 10, nativeSlopeMbPerH: 2.5 },
      },
      probes: {
        bn: { pass: true, kind: 'binance', status: 'stopped', criteria: [{ expr: 'msg_rate.avg > 10', value: 80, pass: true }] },
        lk: {
          pass: false,
          kind: 'leaky',
          status: 'crashed',
          error: 'boom <b>',
          criteria: [{ expr: 'no crash', value: 'boom', pass: false }],
          leak: { status: 'confirmed', points: 14, slopeMbPerH: 351.5, lowMbPerH: 340.25, highMbPerH: 360.75, pValue: 0.0001, projectedMb: 8166, budgetMb: 50, confirmedAt: T0 + 20_000 },
          snapshotDiff: [
            { name: 'Array', countDelta: 1200, sizeDelta: 9 * MB, countAfter: 1500, sizeAfter: 10 * MB },
            { name: 'Object <x>', countDelta: -3, sizeDelta: -2048, countAfter: 7, sizeAfter: 512 },
          ],
        } as never,
      },
    },
  });
  const file = writeReport(readRun(dir));
  assert.equal(file, path.join(dir, 'report.html'));
  const html = readFileSync(file, 'utf8');
  // Self-contained: no script, no external resource of any kind.
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /(src|href)\s*=\s*["']?(https?:)?\/\//i);
  assert.doesNotMatch(html, /@import|url\(/i);
  assert.doesNotMatch(html, /<script>alert/, 'event data is escaped');
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.doesNotMatch(html, /hunter2/, 'secret-looking options are redacted from the scenario dump');
  assert.match(html, /<meta name="viewport"/);

  const c = charts(html);
  const ids = c.map((x) => x.id);
  assert.deepEqual(ids, ['heap-bn', 'heap-lk', 'process-rss', 'process-cpu', 'msg-rate']);
  const heap = c.find((x) => x.id === 'heap-lk')!;
  assert.ok(heap.paths.find((p) => p.cls.includes('used'))!.points >= 25);
  assert.equal(heap.paths.find((p) => p.cls.includes('floor'))!.points, 15);
  assert.equal(heap.paths.find((p) => p.cls.includes('trend'))!.points, 2);
  assert.equal(c.find((x) => x.id === 'msg-rate')!.paths.length, 1, 'one rate line: only bn counts messages');

  // The verdict's leak estimate and the snapshot diff are shown.
  assert.match(html, /\+352 MB\/h \[340 … 361\] p=0\.0001 confirmed/);
  assert.match(html, /projected 8,166 MB of 50 MB budget/);
  assert.match(html, /Heap snapshot diffs/);
  assert.match(html, /<code>Object &lt;x&gt;<\/code>/);
  assert.match(html, /\+9 MB<\/td><td class="n">1,500<\/td><td class="n">10 MB/);
  assert.match(html, /boom &lt;b&gt;/);
  // Pins: the unscheduled disconnect is a fault, the crash and breach are where they belong.
  const heapBn = html.slice(html.indexOf('id="heap-bn"'), html.indexOf('id="heap-lk"'));
  assert.match(heapBn, /class="pin fault"[^>]*title="3s disconnect \(bn\)/);
  assert.match(heapBn, /class="pin conn"/);
  assert.match(heapBn, /class="pin state"/);
  const heapLk = html.slice(html.indexOf('id="heap-lk"'), html.indexOf('id="process-rss"'));
  assert.match(heapLk, /class="pin crash"/);
  assert.match(heapLk, /class="pin snapshot"/);
  const rss = html.slice(html.indexOf('id="process-rss"'), html.indexOf('id="process-cpu"'));
  assert.match(rss, /class="pin breach"/);
  assert.match(rss, /RSS trend \(verdict\): <b>\+12\.5 MB\/h<\/b>/);
  assert.match(rss, /the rest \(native, buffers, sockets\) \+2\.5 MB\/h/);
  assert.match(html, /RSS leak check \(Theil–Sen\)/);
  assert.match(rss, /class="pin crash"/);
  assert.match(html, /<span class="badge bad">FAIL<\/span>/);
});

test('a killed run (no verdict.json, a cut-off last line) still renders, and says so', () => {
  const dir = fakeRun({ probes: [{ name: 'lk', kind: 'leaky', floor: leaking }], seconds: 10, verdict: null });
  appendFileSync(path.join(dir, 'samples.ndjson'), '{"t": 17, "probe": "lk", "heapU');
  const html = renderRunData(readRun(dir));
  assert.match(html, /NO VERDICT/);
  assert.match(html, /samples\.ndjson: 1 unreadable line\(s\) skipped \(the last line was cut short/);
  assert.ok(charts(html).find((x) => x.id === 'heap-lk')!.paths.some((p) => p.points >= 10));
});

test('a 24 h run at 1 s sampling renders with at most ~1,000 points per series', () => {
  // 10 KB per second of leak: 36,000 KB/h = 35.2 MB/h (binary MB).
  const dir = fakeRun({ probes: [{ name: 'lk', kind: 'leaky', floor: (ms) => 10 * MB + (ms / 1000) * 10 * 1024 }], seconds: 86_400 });
  const html = renderRunData(readRun(dir));
  for (const chart of charts(html)) for (const p of chart.paths) assert.ok(p.points <= 1000, `${chart.id} ${p.cls}: ${p.points} points`);
  assert.ok(html.length < 600_000, `report is ${html.length} bytes`);
  assert.match(html, /floor slope <b>\+35\.2 MB\/h<\/b>/);
});
