// The Bitunix fault matrix through the real supervisor: the `bitunix` probe (the HEDGE-mode
// executor) in its worker thread against a simulator child process whose fault plan comes from the
// scenario. After each run the probe's final counters (its `exit` event) are reconciled with what
// the simulator recorded (`simulators.json`, read once the probe had stopped), and the account is
// checked the way the exchange sees it: at most one order ever open at once, none left after stop.
// The executor's own reactions (retry, reconcile, adopt) are unit- and client-tested in
// bitunix-sim.test.ts and bitunix-worker.test.ts; this is the same through the whole stack.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runScenario } from '../helpers/run.ts';
import { criterion, eventsOf, finalCounters, simRecords } from '../helpers/reconcile.ts';

// Compressed time: a 100 ms market, a 300 ms executor tick, a 1 s request timeout.
const probe = {
  kind: 'bitunix',
  options: {
    tick: '300ms',
    requestTimeout: '1s',
    wsPingInterval: '500ms',
    reconnectMin: '50ms',
    reconnectMax: '300ms',
    modifyConfirmTimeout: '1s',
    verifyInterval: '3s',
  },
};
const base = { sampleInterval: '500ms', gcFloorInterval: 0 };

describe('bitunix faults through the supervisor', { concurrency: true }, () => {
  test('REST 5xx, 429 with backoff, answers slower than the timeout, rejected logins: all counted as injected; the executor ends consistent', async () => {
    const run = await runScenario({
      name: 'faults-bitunix-rest',
      duration: '16s',
      ...base,
      probes: { bitunix: { ...probe, thresholds: ['state.error_lock == 0', 'stuck == 0', 'errors.internal == 0', 'orders.placed >= 1'] } },
      simulators: {
        bitunix: {
          tickIntervalMs: 100,
          faults: {
            schedule: [
              // Before the probe's first login: its first two logins are refused.
              { at: 0, kind: 'rejectLogin', count: 2 },
              { at: '4s', kind: 'http5xx', count: 5 },
              { at: '6s', kind: 'http429', count: 3 },
              // 1.5 s answers against a 1 s timeout, for 2 s (after the 429 cooldowns are over).
              { at: '10s', kind: 'latency', delay: '1500ms', duration: '2s', target: 'rest' },
            ],
          },
        },
      },
    });
    const { stats, faults } = simRecords(run.dir).bitunix!;
    const counters = finalCounters(run.events, 'bitunix');
    assert.deepEqual(
      faults.map((f) => f.kind),
      ['rejectLogin', 'http5xx', 'http429', 'latency'],
      'the scenario’s fault plan reached the simulator process',
    );

    // Every request the probe made reached the simulator, and nothing else did.
    assert.equal(counters.requests, stats.rest.requests);
    // Each spoiled answer is one error of its kind: exactly as many as injected.
    assert.equal(counters['errors.http5xx'], 5);
    assert.equal(stats.rest.rejected.http503, 5);
    assert.equal(counters['errors.rate_limit'], 3);
    assert.equal(stats.rest.rejected.http429, 3);
    assert.equal(stats.rest.rejected['10006'], undefined, 'the probe never ran into the simulator’s own rate limits');
    // Every answer the latency fault held back past the timeout is one timeout.
    assert.ok(stats.rest.delayed >= 1, 'the latency fault caught requests');
    assert.equal(counters['errors.timeout'], stats.rest.delayed);
    // Every refused login is one auth error (the socket is closed and the login retried).
    assert.equal(stats.logins.rejected, 2);
    assert.deepEqual(stats.logins.rejectedByReason, { fault: 2 });
    assert.equal(counters['errors.auth'], stats.logins.rejected);
    assert.equal(counters.errors, 5 + 3 + stats.rest.delayed + 2, 'no error the faults do not explain');
    // Reconnects: every socket opened after the first of its path, per channel; ws_reconnects
    // counts logical episodes, so never more than the two together and at least one if any.
    assert.equal(counters['ws_reconnects.public'] ?? 0, stats.ws.opened.public - 1);
    assert.equal(counters['ws_reconnects.private'] ?? 0, stats.ws.opened.private - 1);
    const perChannel = stats.ws.opened.public - 1 + (stats.ws.opened.private - 1);
    assert.ok((counters.ws_reconnects ?? 0) <= perChannel && (counters.ws_reconnects ?? 0) >= Math.min(1, perChannel));
    assert.equal(stats.logins.ok, 1, 'logged in on the third try, and stayed logged in');

    // 429: the retries waited for a growing cooldown (equal jitter: at least 250, 500 ms).
    const limited = eventsOf(run.events, 'bitunix', 'error').filter((e) => e.data!.kind === 'rate_limit');
    assert.equal(limited.length, 3);
    for (let i = 1; i < limited.length; i++) {
      const waited = limited[i]!.t - limited[i - 1]!.t;
      assert.ok(waited >= 250 * 2 ** (i - 1) - 5, `429 retry ${i} after ${waited} ms`);
    }

    // Orders, as the exchange saw them: never two open at once, none left after the stop, and each
    // counter of the probe matches the account's.
    assert.equal(stats.orders.openPeak, 1);
    assert.equal(stats.orders.open, 0);
    assert.equal(counters['orders.placed'] ?? 0, stats.orders.placed);
    assert.equal(counters['orders.cancelled'], stats.orders.cancelled);
    assert.equal(stats.orders.filled + stats.orders.cancelledBySystem, 0);
    // A modify whose answer arrived after the timeout was applied by the exchange but never
    // acknowledged to the executor (it re-reads the order instead): the one deliberate difference.
    const unacknowledged = eventsOf(run.events, 'bitunix', 'error').filter(
      (e) => e.data!.kind === 'timeout' && e.data!.endpoint === 'trade/modify_order',
    ).length;
    assert.equal(stats.rest.byEndpoint['trade/modify_order']!.accepted, counters['orders.modified']! + unacknowledged);
    const states = eventsOf(run.events, 'bitunix', 'state').map((e) => e.data!.to);
    assert.equal(states.at(-1), 'STOPPED');
    assert.ok(!states.includes('ERROR_LOCK'));

    assert.equal(run.exitCode, 0, JSON.stringify(run.verdict.probes.bitunix));
    assert.equal(criterion(run.verdict, 'bitunix', 'state.error_lock == 0').value, 0);
  });

  test('clock skew: timestamps refused, one re-check, then ERROR_LOCK, and the verdict fails on state.error_lock == 0 only; stop still cancels', async () => {
    const run = await runScenario({
      name: 'faults-bitunix-skew',
      duration: '11s',
      ...base,
      // failOnFatal: false: this test follows the executor after its lock, to the stop's cancel.
      probes: { bitunix: { ...probe, failOnFatal: false, thresholds: ['state.error_lock == 0', 'stuck == 0', 'errors.internal == 0', 'orders.placed >= 1'] } },
      // The server clock two minutes ahead for 2 s: outside the 60 s timestamp window. It is over
      // before the run ends, so the stop can cancel what the executor placed.
      simulators: { bitunix: { tickIntervalMs: 100, faults: { schedule: [{ at: '5s', kind: 'clockSkew', delay: '2m', duration: '2s' }] } } },
    });
    const { stats, faults } = simRecords(run.dir).bitunix!;
    const counters = finalCounters(run.events, 'bitunix');
    assert.deepEqual(
      faults.map((f) => f.kind),
      ['clockSkew'],
    );
    // By design: the first refusal gets one re-check (credentials that worked may have hit a
    // transient problem); refused again, the executor locks rather than trade blind.
    assert.deepEqual(stats.rest.authRejected, { timestamp: 2 });
    assert.equal(counters['errors.auth'], 2);
    assert.equal(counters.errors, 2);
    assert.equal(counters['state.error_lock'], 1);
    const lock = eventsOf(run.events, 'bitunix', 'state').find((e) => e.data!.to === 'ERROR_LOCK');
    assert.match(String(lock?.data!.reason), /repeated authentication failure.*timestamp/);
    const states = eventsOf(run.events, 'bitunix', 'state').map((e) => e.data!.to);
    assert.deepEqual(states.slice(-3), ['ERROR_LOCK', 'CANCELLING', 'STOPPED']);

    // The exchange's view: one order, cancelled at stop; nothing else happened after the lock.
    assert.equal(stats.orders.openPeak, 1);
    assert.equal(stats.orders.open, 0);
    assert.equal(stats.orders.placed, 1);
    assert.equal(stats.orders.cancelled, 1);
    assert.equal(counters['orders.cancelled'], 1);
    assert.equal(stats.rest.byEndpoint['trade/modify_order']!.accepted, counters['orders.modified']);

    // The verdict: FAIL, on exactly that criterion.
    assert.equal(run.exitCode, 1);
    assert.equal(run.verdict.pass, false);
    const failed = run.verdict.probes.bitunix!.criteria.filter((c) => !c.pass);
    assert.deepEqual(
      failed.map((c) => [c.expr, c.value]),
      [['state.error_lock == 0', 1]],
    );
    assert.equal(run.verdict.probes.bitunix!.status, 'stopped', 'locked, not crashed');
  });
});
