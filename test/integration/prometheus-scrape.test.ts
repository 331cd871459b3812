// A real Prometheus (Debian's) scraping a running soak: the exposition is what a production
// Prometheus ingests, and the verdict series are there, live, before the run ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadScenarios } from '../../src/scenario/load.ts';
import { runSoak, type RunOutcome } from '../../src/supervisor/run.ts';
import { parsePromText, promValue } from '../helpers/prom-text.ts';
import { freePort, requireBinary, startPrometheus, type RunningPrometheus } from '../helpers/prometheus.ts';
import { tempDir, writeScenario } from '../helpers/run.ts';
import { waitFor } from '../helpers/wait.ts';

test('Prometheus scrapes a running soak: RSS, per-probe message rate, and a confirmed leak (status 2) before the run ends', async () => {
  requireBinary('prometheus');
  const dir = tempDir();
  const port = await freePort();
  const file = writeScenario(dir, {
    name: 'prom',
    duration: '60s',
    nominalDuration: '24h',
    sampleInterval: '250ms',
    gcFloorInterval: '250ms',
    leak: { warmup: '2s', confirmations: 3 },
    snapshots: { max: 0 },
    metrics: { port },
    simulators: { binance: { rate: 40 } },
    probes: {
      binance: { kind: 'binance', options: { symbols: ['BTCUSDT'], streams: ['trade'] }, thresholds: ['msg_rate.avg > 5'] },
      leaky: { kind: 'leaky', options: { rate: 0 }, injectLeak: '20MB/min' },
    },
  });
  const controller = new AbortController();
  const loaded = loadScenarios([file]);
  const run = runSoak({ loaded, out: path.join(dir, 'run'), progress: false, stderrLevel: 'silent', interrupt: controller.signal });
  let prom: RunningPrometheus | undefined;
  let outcome: RunOutcome | undefined;
  try {
    const target = `127.0.0.1:${port}`;
    prom = await startPrometheus([target], { scrapeIntervalS: 1 });

    // Two scrapes of the running soak, both healthy.
    await waitFor(async () => {
      const [up] = await prom!.query(`count_over_time(up{instance="${target}"}[1m])`);
      return up && Number(up.value[1]) >= 2 && (await prom!.targets()).every((t) => t.health === 'up');
    }, { timeoutMs: 30_000, intervalMs: 500, what: 'two healthy scrapes' });

    const [rss] = await prom.query('process_memory_rss_bytes');
    assert.ok(rss && Number(rss.value[1]) > 20 * 2 ** 20, JSON.stringify(rss));

    // 40 trades/s from the simulator: the rate Prometheus computes from the counter.
    const rate = await waitFor(async () => {
      const [r] = await prom!.query('rate(exsoak_probe_messages_total{probe="binance"}[5s])');
      return r && Number(r.value[1]) > 20 ? Number(r.value[1]) : undefined;
    }, { timeoutMs: 20_000, intervalMs: 500, what: 'a message rate' });
    assert.ok(rate < 80, `rate ${rate}`);
    const [binanceRate] = await prom.query('rate(binance_messages_received_total{probe="binance"}[5s])');
    assert.ok(binanceRate && Number(binanceRate.value[1]) > 20, JSON.stringify(binanceRate));

    const [info] = await prom.query('exsoak_run_info');
    assert.equal(info?.metric.scenario, 'prom');
    assert.equal(info?.metric.run_id, 'run');
    assert.ok(info?.metric.host);

    // The leak is confirmed while the run goes: in /metrics itself and in Prometheus.
    const leakStatus = await waitFor(async () => {
      const rows = await prom!.query('exsoak_probe_leak_status');
      const byProbe = Object.fromEntries(rows.map((r) => [r.metric.probe, Number(r.value[1])]));
      return byProbe.leaky === 2 ? byProbe : undefined;
    }, { timeoutMs: 40_000, intervalMs: 500, what: 'exsoak_probe_leak_status{probe="leaky"} 2 in Prometheus' });
    assert.equal(leakStatus.binance, 0);
    const direct = parsePromText(await (await fetch(`http://${target}/metrics`)).text());
    assert.equal(promValue(direct, 'exsoak_probe_leak_status', { probe: 'leaky' }), 2);
    assert.equal(promValue(direct, 'exsoak_threshold_ok', { probe: 'binance', threshold: 'msg_rate.avg > 5' }), 1);
    assert.equal(promValue(direct, 'exsoak_threshold_ok', { probe: 'leaky', threshold: 'no confirmed leak' }), 0);
    const slope = promValue(direct, 'exsoak_probe_leak_slope_bytes_per_hour', { probe: 'leaky', bound: 'estimate' })!;
    // 20 MB/min = 1200 MB/h
    assert.ok(slope > 900 * 2 ** 20 && slope < 1500 * 2 ** 20, `slope ${slope / 2 ** 20} MB/h`);
    const [slopeInProm] = await prom.query('exsoak_probe_leak_slope_bytes_per_hour{probe="leaky",bound="low"}');
    assert.ok(slopeInProm && Number(slopeInProm.value[1]) > 0);
  } finally {
    controller.abort();
    outcome = await run;
    await prom?.stop();
  }
  assert.equal(outcome.exitCode, 130, 'stopped by the test before its 60 s: the leak showed while it ran');
  assert.equal(outcome.verdict.probes.leaky?.leak?.status, 'confirmed');
});
