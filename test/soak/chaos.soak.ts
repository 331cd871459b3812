// Soak tests: minutes, not seconds, so they are not in `npm test` (its glob is *.test.ts). Run
// them with `npm run test:soak` (node --test --test-concurrency=1 "test/soak/**/*.soak.ts").
//
// 1. scenarios/chaos.yaml through the CLI, compressed to 90 s (EXSOAK_CHAOS_DURATION=5m for the
//    full run): both probes against simulators injecting recoverable faults at random. The run
//    must pass, and every counter that a fault explains must match the simulators' own record
//    (results/simulators.json: their stats and fault logs, read once the probes had stopped).
// 2. A probe whose event loop is blocked for 10 s (the 2 s version is in supervisor.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.ts';
import { readNdjson, runScenario, tempDir } from '../helpers/run.ts';
import { connectionCount, connectionsOf, eventsOf, finalCounters, sampledCounters, simRecords, touching } from '../helpers/reconcile.ts';
import type { ProbeEvent, Sample } from '../../src/bus/types.ts';
import type { FaultRecord } from '../../src/sim/faults.ts';

const CHAOS = fileURLToPath(new URL('../../scenarios/chaos.yaml', import.meta.url));
const DURATION = process.env.EXSOAK_CHAOS_DURATION ?? '90s';

/** Frames that can be in flight towards a socket as it dies or as the client lets go of it. */
const IN_FLIGHT_PER_CLOSE_PER_STREAM = 5;

const kindsOf = (faults: FaultRecord[]) => new Set(faults.map((f) => f.kind));

test(`chaos: scenarios/chaos.yaml for ${DURATION} passes, and its counters reconcile with the simulators' fault logs`, { timeout: 30 * 60_000 }, async () => {
  const dir = tempDir();
  const out = path.join(dir, 'run');
  const res = await runCli(['run', CHAOS, '--duration', DURATION, '--json', '--no-progress', '--out', out], { timeoutMs: 25 * 60_000 });
  assert.equal(res.code, 0, `${res.stdout}\n${res.stderr.slice(-4000)}`);
  const verdict = JSON.parse(res.stdout);
  assert.equal(verdict.pass, true);
  assert.equal(verdict.partial, false);
  const events = readNdjson<ProbeEvent>(path.join(out, 'events.ndjson'));
  const samples = readNdjson<Sample>(path.join(out, 'samples.ndjson'));
  const sims = simRecords(out);
  const b = sims.binance!;
  const x = sims.bitunix!;
  // The plan (seed 320) makes every kind fire within the compressed run.
  assert.deepEqual([...kindsOf(b.faults)].sort(), ['burst', 'drop', 'malformed', 'oversized', 'reset', 'restart', 'shutdown', 'stall', 'truncated']);
  assert.deepEqual(
    [...kindsOf(x.faults)].sort(),
    ['burst', 'drop', 'http429', 'http5xx', 'malformed', 'oversized', 'rejectLogin', 'reset', 'restart', 'stall', 'truncated'],
  );
  assert.ok(b.faults.every((f) => f.source === 'random') && x.faults.every((f) => f.source === 'random'));

  // ---- Binance --------------------------------------------------------------------------------
  const bc = finalCounters(events, 'binance');
  const bs = b.stats;
  // Every connection a drop, reset, restart or stall reached died (a stalled one at the hands of
  // the client's watchdog) and was an unscheduled drop for the probe: one per connection, however
  // many faults reached it (a drop can land on a connection already stalled).
  const killed = new Set(touching(b.faults, 'drop', 'reset', 'restart', 'stall').flatMap(connectionsOf));
  assert.equal(bc['drops.unscheduled'], killed.size);
  // A shutdown notice makes the drop scheduled, unless the connection was already dead or stalled
  // (a stalled socket cannot carry the notice).
  const noticed = new Set(touching(b.faults, 'shutdown').flatMap(connectionsOf).filter((id) => !killed.has(id)));
  assert.equal(bc['drops.scheduled'] ?? 0, noticed.size);
  // The simulator closed connections for faults only: never for a broken rule (pong timeout,
  // too many incoming messages), and it never refused a handshake for the connection limit.
  const reasons = new Set(bs.connections.filter((c) => c.serverInitiated).map((c) => c.closeReason));
  for (const reason of reasons) assert.ok(['Fault: drop', 'reset', 'Service restart', 'Server shutdown'].includes(reason!), `closed for "${reason}"`);
  assert.deepEqual(Object.keys(bs.refusedByReason).filter((r) => r !== 'restarting'), []);
  assert.equal(bc.connects, bs.connectionsOpened);
  // Each junk frame that reached a connection is one `malformed`, and none crashed anything.
  const junk = touching(b.faults, 'malformed', 'truncated', 'oversized').reduce((n, f) => n + connectionsOf(f).length, 0);
  assert.ok(junk > 0);
  assert.equal(bc.malformed, junk);
  // Messages: received once or discarded as duplicates, all but what was in flight towards a
  // socket as it died (1006, reset, restart) or as the client let go of it (rotation, the stop).
  const streams = Object.keys(bc).filter((k) => k.startsWith('messages.'));
  assert.equal(streams.length, 6);
  assert.equal(
    streams.reduce((n, k) => n + bc[k]!, 0),
    bc.messages,
  );
  const received = bc.messages! + (bc.duplicates ?? 0);
  const closes = killed.size + noticed.size + (bc.rotations ?? 0) + 1;
  assert.ok(received <= bs.dataSent, `received ${received}, sent ${bs.dataSent}`);
  assert.ok(bs.dataSent - received <= closes * streams.length * IN_FLIGHT_PER_CLOSE_PER_STREAM, `received ${received}, sent ${bs.dataSent}`);
  // Gaps only where a socket died: at most one per contiguous stream (trade, aggTrade) per new
  // connection.
  assert.ok((bc.gaps ?? 0) <= (bs.connectionsOpened - 1) * 4, `${bc.gaps} gaps over ${bs.connectionsOpened} connections`);
  assert.equal(bc.resyncs ?? 0, 0);

  // ---- Bitunix --------------------------------------------------------------------------------
  const xc = finalCounters(events, 'bitunix');
  const xs = x.stats;
  const endedAt = xs.startedAt + xs.uptimeMs;
  // A spoiled answer is taken by the next REST request: faults that fired in the last seconds may
  // have found none. Every one that was taken is exactly one error of its kind.
  const fired = (kind: string, before = Infinity) => x.faults.filter((f) => f.kind === kind && f.t < before).length;
  const http5xx = xs.rest.rejected.http503 ?? 0;
  const http429 = xs.rest.rejected.http429 ?? 0;
  assert.equal(xc['errors.http5xx'] ?? 0, http5xx);
  assert.ok(http5xx >= fired('http5xx', endedAt - 5_000) && http5xx <= fired('http5xx'), `${http5xx} 5xx answers, ${fired('http5xx')} faults`);
  assert.equal(xc['errors.rate_limit'] ?? 0, http429 + (xs.rest.rejected['10006'] ?? 0));
  assert.ok(http429 >= fired('http429', endedAt - 5_000) && http429 <= fired('http429'));
  // A refused login is one auth error; a rejectLogin fault waits for the next login.
  assert.equal(xc['errors.auth'] ?? 0, xs.logins.rejected);
  assert.ok(xs.logins.rejected <= fired('rejectLogin'));
  assert.deepEqual(Object.keys(xs.rest.authRejected), [], 'every signed request was accepted');
  // Every non-JSON frame (malformed, truncated) is one ws error; socket errors add to those.
  const junkFrames = touching(x.faults, 'malformed', 'truncated').reduce((n, f) => n + connectionCount(f), 0);
  assert.ok(junkFrames > 0);
  assert.ok((xc['errors.ws'] ?? 0) >= junkFrames, `${xc['errors.ws']} ws errors for ${junkFrames} junk frames`);
  const errorEvents = eventsOf(events, 'bitunix', 'error');
  assert.ok(errorEvents.every((e) => e.data!.suppressed === undefined), 'every error has its event (none held back)');
  assert.equal(errorEvents.filter((e) => e.data!.kind === 'ws' && /not JSON/.test(String(e.data!.message))).length, junkFrames);
  assert.equal(xs.rest.delayed, 0);
  assert.equal(xc['errors.timeout'] ?? 0, 0);
  const explained = ['http5xx', 'rate_limit', 'auth', 'ws', 'network'];
  const errorKinds = Object.keys(xc).filter((k) => k.startsWith('errors.'));
  for (const kind of errorKinds) assert.ok(explained.includes(kind.slice('errors.'.length)), `unexplained ${kind}`);
  assert.equal(
    errorKinds.reduce((n, k) => n + xc[k]!, 0),
    xc.errors,
  );
  // Requests: all reached the simulator, but those refused while it restarted (network errors).
  assert.ok(xc.requests! >= xs.rest.requests && xc.requests! <= xs.rest.requests + (xc['errors.network'] ?? 0));
  assert.equal(xc.ws_reconnects, xs.ws.opened.public - 1 + (xs.ws.opened.private - 1));
  // The account: never two working orders, none left after the stop, each placement counted once.
  assert.equal(xs.orders.openPeak, 1);
  assert.equal(xs.orders.open, 0);
  assert.equal(xs.orders.placed, (xc['orders.placed'] ?? 0) + (xc['orders.adopted'] ?? 0));
  assert.equal(xc['state.error_lock'] ?? 0, 0);
  assert.equal(eventsOf(events, 'bitunix', 'state').at(-1)?.data!.to, 'STOPPED');
  // The verdict saw the bitunix counters the faults explain as the run went.
  assert.ok((sampledCounters(samples, 'bitunix').errors ?? 0) > 0);
});

test('a probe whose event loop is blocked for 10 s: flagged unresponsive, the others keep going, it comes back and stops cleanly', { timeout: 120_000 }, async () => {
  const run = await runScenario({
    name: 'blocked-10s',
    duration: '16s',
    sampleInterval: '500ms',
    probes: {
      idle: { kind: 'idle' },
      stuck: { kind: 'leaky', options: { rate: 0, blockAfter: '2s', blockFor: '10s' } },
    },
  });
  const flagged = run.events.find((e) => e.kind === 'unresponsive' && e.probe === 'stuck');
  assert.ok(flagged, 'stuck flagged unresponsive');
  const back = run.events.find((e) => e.kind === 'responsive' && e.probe === 'stuck' && e.t > flagged.t);
  assert.ok(back, 'responsive again');
  assert.ok(back.t - flagged.t >= 8_000, `unresponsive for ${back.t - flagged.t} ms`);
  // Measured from outside all along: the others sampled, the blocked worker's heap read.
  const during = run.samples.filter((s) => s.t > flagged.t && s.t < back.t);
  assert.ok(during.filter((s) => s.probe === 'idle' && s.heapUsed !== null).length >= 14, 'idle sampled throughout');
  assert.ok(during.filter((s) => s.probe === 'stuck').every((s) => s.unresponsive === true));
  assert.ok(during.some((s) => s.probe === 'stuck' && s.heapUsed !== null));
  assert.equal(run.verdict.probes.stuck!.status, 'stopped');
  assert.equal(run.exitCode, 0);
});
