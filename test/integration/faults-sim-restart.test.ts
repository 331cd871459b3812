// The venue goes away and comes back, with both probes running through the real supervisor.
//  - Killed: the simulators are separate processes started here (`exsoak sim … --port N`), the
//    scenario points at them (`simulators.<name>.url`: the supervisor starts none of its own),
//    they are SIGKILLed mid-run and started again on the same ports. A fresh process has a fresh
//    account and fresh id sequences, as a venue restored from nothing would.
//  - Restarted in-process (the `restart` fault): listener down for a while, every socket cut,
//    state kept. (The client-level version is in binance-client-sim.test.ts.)
// Probe threads that throw, run out of their resourceLimits or block their event loop are
// covered in supervisor.test.ts (a 2 s block there; the 10 s block runs with the soak tests,
// test/soak/chaos.soak.ts, since it holds a whole core).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { CLI } from '../helpers/cli.ts';
import { runScenario, tempDir, writeScenario } from '../helpers/run.ts';
import { loadScenarioFile } from '../../src/scenario/load.ts';
import { externalSimulator } from '../../src/supervisor/simulators.ts';
import { rawHttp } from '../helpers/sim-bitunix.ts';
import { waitFor } from '../helpers/wait.ts';
import { criterion, eventsOf, finalCounters, simRecords, touching } from '../helpers/reconcile.ts';
import type { BinanceSimStats } from '../../src/sim/binance/index.ts';
import type { BitunixSimStats } from '../../src/sim/bitunix/index.ts';

const base = { sampleInterval: '500ms', gcFloorInterval: 0 };
const binanceProbe = {
  kind: 'binance',
  options: { symbols: ['BTCUSDT'], streams: ['trade'], reconnectDelay: '100ms', maxReconnectDelay: '400ms', silenceTimeout: '2s', maxConnectionAge: 'off' },
  thresholds: ['drops.unscheduled == 1', 'ws_reconnects == 1'],
};
const bitunixProbe = {
  kind: 'bitunix',
  options: { tick: '300ms', requestTimeout: '1s', wsPingInterval: '500ms', reconnectMin: '50ms', reconnectMax: '300ms', modifyConfirmTimeout: '1s' },
  thresholds: ['state.error_lock == 0', 'stuck == 0', 'errors.internal == 0'],
};

/** `exsoak sim NAME` as its own process on 127.0.0.1, on `port` (0 = any); resolves once it listens. */
async function startSim(t: TestContext, name: 'binance' | 'bitunix', port: number, options: Record<string, unknown>): Promise<{ child: ChildProcess; base: string; port: number }> {
  const child = spawn(process.execPath, [CLI, 'sim', name, '--port', String(port), '--seed', '3', '--options-json', JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} simulator did not start: ${stderr}`)), 15_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} simulator exited (${code}): ${stderr}`));
    });
  });
  lines.close();
  child.stdout!.resume();
  const http = first.split(' ').find((u) => u.startsWith('http://'))!;
  return { child, base: http, port: Number(new URL(http).port) };
}

async function kill(child: ChildProcess): Promise<void> {
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await gone;
}

async function simStats<S>(baseUrl: string): Promise<S> {
  return JSON.parse((await rawHttp('GET', `${baseUrl}/_sim/stats`, {})).text) as S;
}

describe('the venue goes away and comes back', { concurrency: true }, () => {
  test('simulator processes SIGKILLed and started again on the same ports: both probes reconnect and carry on', async (t) => {
    const binanceOptions = { rate: 20 };
    const bitunixOptions = { tickIntervalMs: 100 };
    let binance = await startSim(t, 'binance', 0, binanceOptions);
    let bitunix = await startSim(t, 'bitunix', 0, bitunixOptions);
    const running = runScenario({
      name: 'sim-killed',
      duration: '14s',
      ...base,
      probes: { binance: binanceProbe, bitunix: bitunixProbe },
      simulators: { binance: { url: binance.base }, bitunix: { url: bitunix.base } },
    });
    // Both probes at work: data flowing, an order resting.
    await waitFor(
      async () => {
        const [b, x] = await Promise.all([simStats<BinanceSimStats>(binance.base), simStats<BitunixSimStats>(bitunix.base)]);
        return b.dataSent > 10 && x.orders.open === 1 && x.logins.ok === 1;
      },
      { what: 'both probes working', timeoutMs: 8_000, intervalMs: 100 },
    );
    const killedAt = Date.now();
    await Promise.all([kill(binance.child), kill(bitunix.child)]);
    // Down for a second, then back on the same ports (a new process: fresh account, fresh ids).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    [binance, bitunix] = await Promise.all([startSim(t, 'binance', binance.port, binanceOptions), startSim(t, 'bitunix', bitunix.port, bitunixOptions)]);
    const restartedAt = Date.now();
    const run = await running;

    const sims = simRecords(run.dir);
    // The records are the restarted processes' (the supervisor read them at the end of the run).
    assert.equal(sims.binance!.endpoints.rest, binance.base);
    const b = sims.binance!.stats;
    const x = sims.bitunix!.stats;
    assert.ok(b.startedAt >= restartedAt - 2_000 && x.startedAt >= restartedAt - 2_000, 'the second processes answered');

    // Binance: one unscheduled drop (no close frame: the process died), one reconnect, to the
    // new process, which then served to the end.
    const bc = finalCounters(run.events, 'binance');
    assert.equal(bc['drops.unscheduled'], 1);
    assert.equal(bc.ws_reconnects, 1);
    const [drop] = eventsOf(run.events, 'binance', 'disconnect');
    assert.deepEqual([drop!.data!.code, drop!.data!.scheduled], [1006, false]);
    assert.ok(drop!.t >= killedAt - 50);
    assert.equal(b.connectionsOpened, 1);
    assert.equal(b.connections[0]!.closeReason, 'client closing');
    const connectFailures = eventsOf(run.events, 'binance', 'error').filter((e) => e.data!.kind === 'connect');
    assert.ok(connectFailures.length > 0, 'refused while the venue was down');
    // The new process counts trades from the seed's start again: the client says so once and
    // delivers on (a venue restored from nothing restarts its sequences too).
    assert.ok(eventsOf(run.events, 'binance', 'error').some((e) => e.data!.kind === 'sequence-reset'));
    // What the new process sent, the probe received, but for frames in flight at the stop.
    // (The counter stands still from the kill to the reconnect, a span of several samples.)
    const before = Math.max(...run.samples.filter((s) => s.probe === 'binance' && !s.counters.ws_reconnects).map((s) => s.counters.messages ?? 0));
    const sinceRestart = bc.messages! - before;
    assert.ok(sinceRestart <= b.dataSent && b.dataSent - sinceRestart <= 5, `sent ${b.dataSent}, received ${sinceRestart} since the restart`);

    // Bitunix: both streams back (logged in again), the executor noticed its order was gone,
    // placed a new one on the new venue and cancelled it at stop.
    const xc = finalCounters(run.events, 'bitunix');
    // One outage that cut both streams is one logical reconnect; each stream counts its own.
    assert.equal(xc.ws_reconnects, 1);
    assert.deepEqual([xc['ws_reconnects.public'], xc['ws_reconnects.private']], [1, 1]);
    assert.equal(x.ws.opened.public + x.ws.opened.private, 2);
    assert.equal(x.logins.ok, 1);
    assert.equal(xc['state.error_lock'] ?? 0, 0);
    assert.ok((xc['orders.lost'] ?? 0) >= 1, 'the order that died with the venue was written off');
    assert.equal(x.orders.placed, 1);
    assert.equal(x.orders.openPeak, 1);
    assert.equal(x.orders.open, 0, 'stop cancelled the order on the new venue');
    assert.ok((xc['errors.ws'] ?? 0) > 0, 'its streams were refused while it was down');
    const states = eventsOf(run.events, 'bitunix', 'state').map((e) => e.data!.to);
    assert.equal(states.at(-1), 'STOPPED', states.join(' '));

    assert.equal(run.exitCode, 0, JSON.stringify(run.verdict.probes));
    assert.equal(criterion(run.verdict, 'binance', 'drops.unscheduled == 1').value, 1);
  });

  test('the restart fault (same process, listener down 1 s, state kept): reconnected, nothing lost', async () => {
    const run = await runScenario({
      name: 'sim-restart-fault',
      duration: '12s',
      ...base,
      probes: { binance: binanceProbe, bitunix: { ...bitunixProbe, thresholds: [...bitunixProbe.thresholds, 'orders.lost == 0'] } },
      simulators: {
        binance: { rate: 20, faults: { schedule: [{ at: '4s', kind: 'restart', duration: '1s' }] } },
        bitunix: { tickIntervalMs: 100, faults: { schedule: [{ at: '4s', kind: 'restart', duration: '1s' }] } },
      },
    });
    const sims = simRecords(run.dir);
    const b = sims.binance!;
    const x = sims.bitunix!;

    // Binance: the restart closed the connection (1012, service restart): one unscheduled drop,
    // and one reconnect once the listener was back.
    const bc = finalCounters(run.events, 'binance');
    assert.equal(touching(b.faults, 'restart').length, 1);
    assert.equal(bc['drops.unscheduled'], 1);
    assert.equal(bc.ws_reconnects, 1);
    const [drop] = eventsOf(run.events, 'binance', 'disconnect');
    assert.deepEqual([drop!.data!.code, drop!.data!.scheduled], [1012, false]);
    const reconnect = eventsOf(run.events, 'binance', 'connect').find((e) => e.data!.reconnect === true)!;
    assert.ok(reconnect.t - b.faults[0]!.t >= 900, 'not before the listener was back');
    assert.equal(b.stats.connectionsOpened, 2);
    assert.equal(bc.gaps ?? 0, 1, 'the trades made while it was down are one gap');

    // Bitunix: both sockets cut by the restart and reconnected; the account survived, so the
    // executor found its order again: no order lost, none placed twice.
    const xc = finalCounters(run.events, 'bitunix');
    assert.equal(x.stats.ws.serverCloseReasons.restart, 2);
    assert.equal(xc.ws_reconnects, 1, 'one restart that cut both streams is one logical reconnect');
    assert.deepEqual([xc['ws_reconnects.public'], xc['ws_reconnects.private']], [1, 1]);
    assert.equal(x.stats.logins.ok, 2);
    assert.equal(xc['orders.lost'] ?? 0, 0);
    assert.equal(x.stats.orders.placed, xc['orders.placed']);
    assert.equal(x.stats.orders.openPeak, 1);
    assert.equal(x.stats.orders.open, 0);
    assert.equal(run.exitCode, 0, JSON.stringify(run.verdict.probes));
  });
});

test('simulators.<name>.url: the base URL of a running simulator, and nothing beside it', () => {
  const dir = tempDir();
  const scenario = (binance: Record<string, unknown>) =>
    writeScenario(dir, { name: 'u', duration: '1s', probes: { binance: { kind: 'binance' } }, simulators: { binance } }, `u${Math.random()}.yaml`);
  assert.deepEqual(loadScenarioFile(scenario({ url: 'http://127.0.0.1:9443' })).scenario.simulators.binance, { url: 'http://127.0.0.1:9443' });
  assert.throws(() => loadScenarioFile(scenario({ url: 'http://127.0.0.1:9443', rate: 5 })), /simulators\.binance\.rate: cannot apply to an external simulator/);
  assert.throws(() => loadScenarioFile(scenario({ url: 'http://127.0.0.1:9443/stream' })), /simulators\.binance\.url: expected the base URL of a running simulator/);
  assert.throws(() => loadScenarioFile(scenario({ url: 9443 })), /simulators\.binance\.url/);
  assert.deepEqual(externalSimulator('binance', 'ws://127.0.0.1:9443').endpoints, { ws: 'ws://127.0.0.1:9443', rest: 'http://127.0.0.1:9443' });
  assert.deepEqual(externalSimulator('bitunix', 'http://127.0.0.1:9444/').endpoints, {
    rest: 'http://127.0.0.1:9444',
    wsPublic: 'ws://127.0.0.1:9444/public/',
    wsPrivate: 'ws://127.0.0.1:9444/private/',
  });
});
