import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { runScenario, tempDir } from '../helpers/run.ts';
import { runCli } from '../helpers/cli.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Screenshots land here, to look at by eye. */
export const SHOTS = { wide: path.join(os.tmpdir(), 'exsoak-report-1280.png'), narrow: path.join(os.tmpdir(), 'exsoak-report-390.png') };

let runDir = '';
let profile = '';
let context: BrowserContext | undefined;

/** The browser, started once for the browser tests (the CLI test does not need it). */
async function browser(): Promise<BrowserContext> {
  if (context) return context;
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the report's browser test needs Debian's Chromium. Install it with: sudo apt-get install -y chromium`);
  }
  profile = mkdtempSync(path.join(os.tmpdir(), 'exsoak-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true });
  return context;
}

before(async () => {
  // A real run with something to show: a leak, a flat heap, and a probe that crashes half-way.
  const run = await runScenario({
    name: 'report-e2e',
    duration: '3s',
    sampleInterval: '200ms',
    gcFloorInterval: '250ms',
    metrics: { port: 0 },
    probes: {
      idle: { kind: 'idle' },
      leaky: { kind: 'leaky', options: { rate: '300KB' } },
      thrower: { kind: 'leaky', options: { rate: 0, throwAfter: '1500ms' } },
    },
  });
  runDir = run.dir;
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('exsoak report <run-dir> re-renders report.html from the files and prints its path', async () => {
  const file = path.join(runDir, 'report.html');
  unlinkSync(file);
  const res = await runCli(['report', runDir]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout.trim(), file);
  assert.ok(statSync(file).size > 5000);

  const missing = await runCli(['report', path.join(tempDir(), 'nope')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /not a results folder/);
});

for (const [width, shot] of [
  [1280, SHOTS.wide],
  [390, SHOTS.narrow],
] as const) {
  test(`report.html in Chromium at ${width} px: charts drew, no console error, no network, fits the width`, async () => {
    const file = path.join(runDir, 'report.html');
    if (!existsSync(file)) assert.equal((await runCli(['report', runDir])).code, 0);
    const page = await (await browser()).newPage();
    try {
      await page.setViewportSize({ width, height: 900 });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      const url = pathToFileURL(file).href;
      page.on('request', (r) => {
        if (r.url() !== url) problems.push(`request: ${r.url()}`);
      });
      await page.goto(url, { waitUntil: 'load' });

      const charts = await page.$$eval('figure.chart', (figures) =>
        figures.map((f) => {
          const svg = f.querySelector('svg');
          const box = svg?.getBoundingClientRect();
          return {
            id: f.id,
            svgWidth: box?.width ?? 0,
            svgHeight: box?.height ?? 0,
            paths: [...f.querySelectorAll('path[data-points]')].map((p) => {
              const b = p.getBoundingClientRect();
              return { cls: p.getAttribute('class') ?? '', points: Number(p.getAttribute('data-points')), width: b.width, height: b.height };
            }),
            pins: [...f.querySelectorAll('.pin')].map((p) => p.className),
          };
        }),
      );
      assert.deepEqual(charts.map((c) => c.id).sort(), ['heap-idle', 'heap-leaky', 'heap-thrower', 'process-cpu', 'process-rss']);
      for (const c of charts) {
        assert.ok(c.svgWidth > 250 && c.svgHeight > 100, `${c.id}: plot is ${c.svgWidth}x${c.svgHeight}`);
        const line = c.paths.find((p) => p.cls.startsWith('line'));
        assert.ok(line, `${c.id} has a line`);
        assert.ok(line.points >= 5, `${c.id}: ${line.points} points`);
        // Drawn across the plot, not collapsed to a point or off-screen.
        assert.ok(line.width > c.svgWidth * 0.3, `${c.id}: line spans ${line.width} of ${c.svgWidth} px`);
      }
      const leaky = charts.find((c) => c.id === 'heap-leaky')!;
      const floor = leaky.paths.find((p) => p.cls.includes('floor'))!;
      assert.ok(floor.points >= 5 && floor.height > 10, `leaky's floor rises on screen (${floor.height} px)`);
      assert.ok(leaky.paths.some((p) => p.cls.includes('trend')), 'fitted slope line');
      assert.ok(charts.find((c) => c.id === 'heap-thrower')!.pins.some((p) => p.includes('crash')), 'crash pin on the thrower');

      // (the project's tsconfig has no DOM lib: the page's globals are typed by hand)
      type Doc = { documentElement: { scrollWidth: number; clientWidth: number }; title: string };
      const layout = await page.evaluate(() => {
        const doc = (globalThis as unknown as { document: Doc }).document;
        return { scroll: doc.documentElement.scrollWidth, client: doc.documentElement.clientWidth, title: doc.title };
      });
      assert.ok(layout.scroll <= layout.client, `no horizontal scrolling at ${width} px (${layout.scroll} > ${layout.client})`);
      assert.match(layout.title, /report-e2e: FAIL/, 'the crash fails the verdict');
      assert.deepEqual(problems, []);
      await page.screenshot({ path: shot, fullPage: true });
    } finally {
      await page.close();
    }
  });
}
