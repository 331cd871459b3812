// The Binance fault matrix through the real supervisor: each scenario runs the `binance` probe in
// its worker thread against a simulator child process (`exsoak sim binance`) whose fault plan comes
// from the scenario (`simulators.binance.faults.schedule`). After the run, the probe's counters
// (the final ones, from its `exit` event, and the last sample's, which the verdict used) are
// reconciled with what the simulator recorded doing (`simulators.json`: its stats and fault log,
// read by the supervisor once the probe had stopped).
//
// Fault offsets count from the simulator's start; the first is at 4 s, the probe connects ≈0.3 s
// after the simulator starts (a few seconds when the machine is loaded), and the tests check which
// faults reached a connection, so a fault that fired into a gap cannot make a count pass by accident.
// Client-level behaviour (backoff bounds, ids across drops) is in binance-client-sim.test.ts; the
// simulator's own fault handling in sim-binance-faults.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runScenario } from '../helpers/run.ts';
import { connectionsOf, criterion, eventsOf, finalCounters, idJumps, maxInWindow, sampledCounters, simRecords, touching } from '../helpers/reconcile.ts';

const base = { sampleInterval: '500ms', gcFloorInterval: 0 };

/** Connections the client closed itself (rotation, final stop) lose what was in flight towards them. */
const IN_FLIGHT_PER_CLIENT_CLOSE_PER_STREAM = 5;

describe('binance faults through the supervisor', { concurrency: true }, () => {
  test('drops 1000/1001/1006/1011 and a reset: each an unscheduled drop, reconnected; junk frames counted; a 10,000-message burst all received', async () => {
    const run = await runScenario({
      name: 'faults-binance-drops',
      duration: '13s',
      ...base,
      probes: {
        binance: {
          kind: 'binance',
          // No continuous data (rate 0): every message is a burst's, so nothing is in flight when a
          // connection dies and the received count can be compared exactly. No data also means no
          // silence watchdog.
          options: { symbols: ['BTCUSDT'], streams: ['trade'], reconnectDelay: '100ms', maxReconnectDelay: '400ms', silenceTimeout: 'off', maxConnectionAge: 'off' },
          thresholds: ['drops.unscheduled == 5', 'drops.scheduled == 0', 'ws_reconnects == 5', 'malformed == 3', 'messages == 10000', 'gaps == 0'],
        },
      },
      simulators: {
        binance: {
          rate: 0,
          faults: {
            schedule: [
              { at: '4s', kind: 'drop', code: 1000 },
              { at: '5s', kind: 'drop', code: 1001 },
              { at: '6s', kind: 'drop', code: 1006 },
              { at: '7s', kind: 'drop', code: 1011 },
              { at: '8s', kind: 'reset' },
              { at: '9s', kind: 'malformed' },
              { at: '9200ms', kind: 'truncated' },
              { at: '9400ms', kind: 'oversized' },
              { at: '10s', kind: 'burst', count: 10_000 },
            ],
          },
        },
      },
    });
    const { stats, faults } = simRecords(run.dir).binance!;
    const counters = finalCounters(run.events, 'binance');
    assert.equal(faults.length, 9, 'the scenario’s fault plan reached the simulator process');
    assert.deepEqual(
      faults.map((f) => [f.kind, connectionsOf(f).length]),
      ['drop', 'drop', 'drop', 'drop', 'reset', 'malformed', 'truncated', 'oversized', 'burst'].map((k) => [k, 1]),
      'every fault reached the (one) connection of the probe',
    );

    // Drops: exactly one unscheduled drop per injected drop/reset, each reconnected.
    const killers = touching(faults, 'drop', 'reset');
    assert.equal(counters['drops.unscheduled'], killers.length);
    assert.equal(counters['drops.scheduled'] ?? 0, 0);
    assert.equal(counters.ws_reconnects, killers.length);
    assert.equal(counters.connects, stats.connectionsOpened);
    assert.equal(stats.refusedHandshakes, 0);
    const serverClosed = stats.connections.filter((c) => c.serverInitiated).sort((a, b) => a.id - b.id);
    assert.deepEqual(
      serverClosed.map((c) => c.id),
      killers.map((f) => connectionsOf(f)[0]),
    );
    // What the probe saw is what the simulator did: the same close codes, in the same order
    // (a reset and a 1006 drop both end without a close frame: 1006 on both sides).
    const disconnects = eventsOf(run.events, 'binance', 'disconnect');
    assert.deepEqual(
      disconnects.map((e) => [e.data!.scheduled, e.data!.code]),
      serverClosed.map((c) => [false, c.closeCode]),
    );
    assert.deepEqual(
      serverClosed.map((c) => c.closeCode),
      [1000, 1001, 1006, 1011, 1006],
    );

    // Junk frames: one `malformed` each, and the connection that got them lived on to the end.
    const junk = touching(faults, 'malformed', 'truncated', 'oversized');
    assert.equal(counters.malformed, junk.length);
    const survivor = stats.connections.find((c) => c.id === connectionsOf(junk[0]!)[0])!;
    assert.equal(survivor.closeReason, 'client closing', 'no drop because of a bad frame');
    assert.equal(survivor.otherSent, 3);

    // The burst: every message the simulator sent was received, none twice, none missing.
    const burst = touching(faults, 'burst')[0]!;
    assert.equal(stats.dataSent, (burst.detail!.count as number) * (burst.detail!.streams as string[]).length);
    assert.equal(counters.messages, stats.dataSent);
    assert.equal(counters['messages.btcusdt@trade'], stats.dataSent);
    assert.equal(counters.duplicates ?? 0, 0);
    assert.equal(counters.gaps ?? 0, 0);
    assert.equal(counters.errors ?? 0, 0, 'no client error: a server close is a drop, not an error');

    // The verdict saw the same numbers (everything had settled before the last sample) and passed.
    assert.equal(run.exitCode, 0, JSON.stringify(run.verdict.probes.binance));
    assert.equal(run.verdict.pass, true);
    assert.equal(criterion(run.verdict, 'binance', 'messages == 10000').value, counters.messages);
    assert.deepEqual(sampledCounters(run.samples, 'binance'), counters);
  });

  test('24 h rotation (compressed) and serverShutdown: every drop scheduled, none unscheduled, no id lost', async () => {
    const run = await runScenario({
      name: 'faults-binance-rotation',
      duration: '15s',
      ...base,
      probes: {
        binance: {
          kind: 'binance',
          // The client rotates at 2 s, ahead of the simulator's 3 s age limit, as it rotates at
          // 23h50m ahead of Binance's 24 h.
          options: {
            symbols: ['BTCUSDT'],
            streams: ['trade', 'aggTrade'],
            reconnectDelay: '100ms',
            maxReconnectDelay: '400ms',
            silenceTimeout: '1s',
            maxConnectionAge: '2s',
            serverMaxConnectionAge: '3s',
            rotationOverlapMax: '1s',
          },
          thresholds: ['drops.unscheduled == 0', 'gaps <= 1', 'rotations >= 4'],
        },
      },
      simulators: {
        binance: {
          // aggTrade flows (the rotations need data to switch on); trade carries only bursts, whose
          // ids can be counted exactly.
          rate: 20,
          rates: { trade: 0 },
          // 10 minutes' notice of 24 h is 0.7 %: 200 ms of 3 s.
          rules: { maxConnectionAgeMs: 3000, shutdownNoticeMs: 200 },
          faults: {
            schedule: [
              { at: '4s', kind: 'burst', count: 500 },
              // A notice the client answers by rotating: long enough for the rotation to finish on a
              // loaded 2-core machine (it took over 300 ms there once), well before the next fault.
              { at: '7500ms', kind: 'shutdown', delay: '1500ms' },
              { at: '10500ms', kind: 'shutdown' },
              { at: '12s', kind: 'burst', count: 500 },
            ],
          },
        },
      },
    });
    const { stats, faults } = simRecords(run.dir).binance!;
    const counters = finalCounters(run.events, 'binance');
    assert.deepEqual(
      faults.map((f) => [f.kind, connectionsOf(f).length > 0]),
      [
        ['burst', true],
        ['shutdown', true],
        ['shutdown', true],
        ['burst', true],
      ],
    );

    assert.equal(counters['drops.unscheduled'] ?? 0, 0);
    // Every rotation closed the old connection itself (the simulator saw a client close, reason
    // "rotation"); the shutdown without notice is the one connection the simulator closed.
    const rotated = stats.connections.filter((c) => c.closeReason === 'rotation' && !c.serverInitiated);
    const shutByServer = stats.connections.filter((c) => c.serverInitiated);
    assert.deepEqual(
      shutByServer.map((c) => [c.id, c.closeReason]),
      [[connectionsOf(faults[2]!)[0], 'Server shutdown']],
    );
    // The shutdown without notice starts a rotation too: if its new socket opens before the old
    // one's close is handled, that rotation completes (counted in rotations); otherwise the new
    // socket simply is the reconnect (counted in ws_reconnects). Either way, one or the other.
    assert.equal(counters.rotations! + (counters.ws_reconnects ?? 0), rotated.length + shutByServer.length);
    assert.ok((counters.ws_reconnects ?? 0) <= 1);
    assert.equal(counters['drops.scheduled'], rotated.length + shutByServer.length);
    assert.ok(!stats.connections.some((c) => c.closeReason === 'Connection age limit reached'), 'the client always rotated before the age limit');
    const rotations = eventsOf(run.events, 'binance', 'rotation').map((e) => e.data!.reason);
    assert.ok(rotations.filter((r) => r === 'max-age').length >= 3, rotations.join(' '));
    // The shutdown with notice was answered by a rotation, before the simulator had to close.
    assert.ok(rotations.includes('server-shutdown'), rotations.join(' '));
    const noticed = stats.connections.find((c) => c.id === connectionsOf(faults[1]!)[0])!;
    assert.equal(noticed.serverInitiated, false);

    // Ids: the bursts generated 500 new trade ids each (sent to both sockets of an overlap, the
    // copy deduplicated): exactly that many reached the consumer, no gap anywhere.
    const burstIds = touching(faults, 'burst').reduce((sum, f) => sum + (f.detail!.count as number), 0);
    assert.equal(counters['messages.btcusdt@trade'], burstIds);
    // A rotation overlaps its sockets, so no id can be missed; only while no socket at all was
    // subscribed (after the close without notice, before the new socket) may the flowing
    // aggTrade stream move on without us. Each gap is such a jump in the ids the simulator sent.
    const jumps = idJumps(stats.connections, 'btcusdt@aggTrade');
    assert.ok(jumps.length <= 1, `ids jumped ${jumps.length} times: a rotation lost data`);
    const gaps = eventsOf(run.events, 'binance', 'gap');
    assert.equal(counters.gaps ?? 0, jumps.length);
    assert.deepEqual(
      gaps.map((g) => [g.data!.stream, g.data!.missing]),
      jumps.map((missing) => ['btcusdt@aggTrade', missing]),
    );
    assert.ok((counters.duplicates ?? 0) > 0, 'overlaps happened and their duplicates were dropped');
    // Everything sent was received once or discarded as a duplicate, except what was still in
    // flight towards a socket the client had just let go of (a rotated one, or at the stop): the
    // client stops listening to a socket as it closes it. Those frames are duplicates of what the
    // new socket delivers, so nothing the consumer needs is lost, but they are in the sim's count.
    const received = counters.messages! + (counters.duplicates ?? 0);
    const clientCloses = rotated.length + 1;
    assert.ok(received <= stats.dataSent, `received ${received} > sent ${stats.dataSent}`);
    assert.ok(stats.dataSent - received <= clientCloses * 2 * IN_FLIGHT_PER_CLIENT_CLOSE_PER_STREAM, `sent ${stats.dataSent}, received ${received}`);

    assert.equal(run.exitCode, 0, JSON.stringify(run.verdict.probes.binance));
    assert.equal(criterion(run.verdict, 'binance', 'drops.unscheduled == 0').value, 0);
  });

  test('half-open stall: socket open, nothing sent, pings withheld: the watchdog reconnects; the missing ids are the ones the stall swallowed', async () => {
    const run = await runScenario({
      name: 'faults-binance-stall',
      duration: '10s',
      ...base,
      probes: {
        binance: {
          kind: 'binance',
          options: { symbols: ['BTCUSDT'], streams: ['aggTrade'], reconnectDelay: '100ms', maxReconnectDelay: '400ms', silenceTimeout: '1s', maxConnectionAge: 'off' },
          thresholds: ['drops.unscheduled <= 1', 'ws_reconnects <= 1'],
        },
      },
      simulators: { binance: { rate: 20, rules: { pingIntervalMs: 300, pongTimeoutMs: 5000 }, faults: { schedule: [{ at: '4s', kind: 'stall', duration: '5s' }] } } },
    });
    const { stats, faults } = simRecords(run.dir).binance!;
    const counters = finalCounters(run.events, 'binance');
    const [stall] = touching(faults, 'stall');
    assert.ok(stall, 'the stall reached the connection');
    assert.equal(counters['drops.unscheduled'], 1);
    assert.equal(counters.ws_reconnects, 1);
    const [drop] = eventsOf(run.events, 'binance', 'disconnect');
    assert.equal(drop!.data!.cause, 'silence');
    assert.equal(drop!.data!.scheduled, false);
    // Detected by the watchdog: ~1 s of silence, long before the 5 s stall would have ended.
    const detectedAfter = drop!.t - stall.t;
    assert.ok(detectedAfter >= 900 && detectedAfter < 3_000, `detected ${detectedAfter} ms after the stall`);
    const stalled = stats.connections.find((c) => c.id === connectionsOf(stall)[0])!;
    assert.equal(stalled.serverInitiated, false, 'the client gave up on it; the simulator never closed it');
    assert.ok(stalled.pingsSent > 0 && stalled.pongsReceived === stalled.pingsSent, 'pings answered until the stall, then none sent');
    // The ids generated while stalled were never sent (`skipped`): they are the one gap.
    assert.ok(stalled.skipped > 0);
    assert.equal(counters.gaps, 1);
    const [gap] = eventsOf(run.events, 'binance', 'gap');
    // And exactly where the ids the simulator sent jumped: the skipped ones, plus those the stream
    // moved on while no connection was subscribed (the venue trades on).
    assert.deepEqual(idJumps(stats.connections, 'btcusdt@aggTrade'), [gap!.data!.missing]);
    const next = stats.connections.find((c) => c.openedAt >= stall.t)!;
    const missing = gap!.data!.missing as number;
    // Unless the new connection was subscribed before the simulator had handled the old one's
    // close (then some skipped ids reached the new one), every skipped id is missing.
    if (next.openedAt >= stalled.closedAt!) assert.ok(missing >= stalled.skipped, `${missing} missing, ${stalled.skipped} skipped`);
    else assert.ok(missing <= stalled.skipped, `${missing} missing, ${stalled.skipped} skipped`);
    // Received = sent, but for frames in flight when the client stopped at the end of the run.
    assert.ok(counters.messages! <= stats.dataSent && stats.dataSent - counters.messages! <= IN_FLIGHT_PER_CLIENT_CLOSE_PER_STREAM);
    assert.ok(next.dataSent > 20, 'data flows again on the new connection');
    assert.equal(run.exitCode, 0, JSON.stringify(run.verdict.probes.binance));
  });

  test('connection-rate limit: with the venue’s budget configured, a drop storm never exceeds it; the client waits and reconnects', async () => {
    const run = await runScenario({
      name: 'faults-binance-connect-limit',
      duration: '13s',
      ...base,
      probes: {
        binance: {
          kind: 'binance',
          options: {
            symbols: ['BTCUSDT'],
            streams: ['trade'],
            reconnectDelay: '50ms',
            maxReconnectDelay: '200ms',
            silenceTimeout: 'off',
            maxConnectionAge: 'off',
            maxConnectAttempts: 3,
            connectWindow: '4s',
          },
          thresholds: ['errors == 0'],
        },
      },
      simulators: {
        binance: {
          rate: 5,
          rules: { maxConnectAttempts: 3, connectWindowMs: 4000 },
          // Six drops in 1.5 s want six reconnects; the budget allows three attempts per 4 s.
          faults: { schedule: ['4s', '4300ms', '4600ms', '4900ms', '5200ms', '5500ms'].map((at) => ({ at, kind: 'drop', code: 1011 })) },
        },
      },
    });
    const { stats, faults } = simRecords(run.dir).binance!;
    const counters = finalCounters(run.events, 'binance');
    assert.equal(stats.refusedHandshakes, 0, `the simulator refused ${JSON.stringify(stats.refusedByReason)}: the client exceeded the limit`);
    assert.equal(counters.errors ?? 0, 0);
    const opened = stats.connections.map((c) => c.openedAt);
    assert.equal(maxInWindow(opened, 4000), 3, 'the budget was used up to, never past, its limit');
    const hits = touching(faults, 'drop');
    assert.ok(hits.length >= 3 && hits.length < faults.length, `${hits.length} drops reached a connection: the client was held back during the others`);
    assert.equal(counters['drops.unscheduled'], hits.length);
    assert.equal(counters.ws_reconnects, hits.length);
    assert.equal(stats.connectionsOpened, hits.length + 1);
    const last = stats.connections.find((c) => !c.serverInitiated)!;
    assert.equal(last.closeReason, 'client closing', 'reconnected, and served to the end');
    assert.ok(last.dataSent > 5);
    assert.equal(run.exitCode, 0, JSON.stringify(run.verdict.probes.binance));
  });

  test('refused handshakes (HTTP 429 at the connection limit): counted, backed off, reconnected', async () => {
    const run = await runScenario({
      name: 'faults-binance-refused',
      duration: '15s',
      ...base,
      probes: {
        binance: {
          kind: 'binance',
          // The client's own budget (300 per 5 min) is looser than this simulator's: the handshakes
          // beyond the simulator's limit are refused, and only the backoff gets the client back in
          // (refused attempts count against the limit too, as on Binance).
          options: { symbols: ['BTCUSDT'], streams: ['trade'], reconnectDelay: '100ms', maxReconnectDelay: '2s', silenceTimeout: 'off', maxConnectionAge: 'off' },
          thresholds: ['drops.unscheduled <= 4', 'ws_reconnects <= 4'],
        },
      },
      simulators: {
        binance: {
          rate: 5,
          // One attempt per 800 ms: a reconnect within 800 ms of the previous attempt is refused.
          rules: { maxConnectAttempts: 1, connectWindowMs: 800 },
          // Drops 300 ms apart: whichever reach a connection, its reconnect comes too soon after the
          // last one. (Simulated with the client's backoff: a run without a refusal, or not back
          // within 11 s, is under 1 in 10,000.)
          faults: { schedule: ['4s', '4300ms', '4600ms', '4900ms'].map((at) => ({ at, kind: 'drop', code: 1011 })) },
        },
      },
    });
    const { stats, faults } = simRecords(run.dir).binance!;
    const counters = finalCounters(run.events, 'binance');
    const hits = touching(faults, 'drop').length;
    assert.ok(hits >= 2, `${hits} drops reached a connection`);
    const refused = stats.refusedByReason.rate ?? 0;
    assert.ok(refused >= 1, 'the limit was hit');
    assert.equal(stats.refusedHandshakes, refused);
    // One connect error per refused handshake, and no other error.
    assert.equal(counters.errors, refused);
    const errors = eventsOf(run.events, 'binance', 'error');
    assert.ok(errors.length > 0 && errors.every((e) => e.data!.kind === 'connect' && /429/.test(String(e.data!.message))), JSON.stringify(errors));
    // Backed off: a client retrying without backoff would have made hundreds of attempts.
    assert.ok(refused <= 20, `${refused} refused attempts`);
    assert.equal(counters['drops.unscheduled'], hits);
    assert.equal(counters.ws_reconnects, hits);
    const last = stats.connections.find((c) => !c.serverInitiated)!;
    assert.equal(last.closeReason, 'client closing', 'reconnected, and served to the end');
    assert.equal(run.exitCode, 0, JSON.stringify(run.verdict.probes.binance));
  });
});
