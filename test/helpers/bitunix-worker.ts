// Runs the `bitunix` probe worker (workers/bitunix.ts) in-process over a MessageChannel against a
// fresh simulator, and reads back what it reported: counters, gauges and events.
import type { TestContext } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import type { ProbeTask, WorkerMessage } from '../../src/bus/protocol.ts';
import { startBitunixSim, SIM_TEST_API_KEY, SIM_TEST_API_SECRET, type BitunixSimOptions } from '../../src/sim/bitunix/index.ts';
import bitunixProbe from '../../workers/bitunix.ts';
import { optionsSchema } from '../../src/probes/validation/bitunix.ts';
import { waitFor } from './wait.ts';

/**
 * `secret`: what BITUNIX_API_SECRET holds for the worker (default the simulator's test secret; a
 * wrong one to see the refusal; `null` for no credentials in the environment at all).
 */
export async function runBitunixWorker(
  t: TestContext,
  opts: { options?: Record<string, unknown>; sim?: BitunixSimOptions; secret?: string | null } = {},
) {
  const sim = await startBitunixSim({ seed: 11, tickIntervalMs: 100, ...opts.sim, apiKey: SIM_TEST_API_KEY, apiSecret: SIM_TEST_API_SECRET });
  const saved = { key: process.env.BITUNIX_API_KEY, secret: process.env.BITUNIX_API_SECRET };
  const secret = opts.secret === undefined ? SIM_TEST_API_SECRET : opts.secret;
  if (secret === null) {
    delete process.env.BITUNIX_API_KEY;
    delete process.env.BITUNIX_API_SECRET;
  } else {
    process.env.BITUNIX_API_KEY = SIM_TEST_API_KEY;
    process.env.BITUNIX_API_SECRET = secret;
  }
  const { port1, port2 } = new MessageChannel();
  const messages: WorkerMessage[] = [];
  port2.on('message', (m: WorkerMessage) => messages.push(m));
  const task: ProbeTask = {
    probe: 'bitunix',
    kind: 'bitunix',
    port: port1,
    // Parsed, as the scenario loader hands options to a worker.
    options: optionsSchema.parse({
      tick: '150ms',
      wsPingInterval: '200ms',
      reconnectMin: '50ms',
      reconnectMax: '200ms',
      modifyConfirmTimeout: '1s',
      requestTimeout: '2s',
      ...opts.options,
    }),
    target: 'sim',
    endpoints: { rest: sim.restUrl, wsPublic: sim.wsPublicUrl, wsPrivate: sim.wsPrivateUrl },
    reportIntervalMs: 200,
    gcFloorIntervalMs: 0,
    injectLeakBytesPerSec: 0,
    seed: 1,
  };
  const result = bitunixProbe(task);
  let stopped = false;
  const stop = async () => {
    if (!stopped) {
      stopped = true;
      port2.postMessage({ type: 'stop', reason: 'test over' });
    }
    const value = await result;
    // The final counters and `done` cross the port after the task has resolved.
    await waitFor(() => messages.some((m) => m.type === 'done'), { timeoutMs: 2000, what: 'done message' });
    return value;
  };
  t.after(async () => {
    await stop();
    port2.close();
    await sim.close();
    for (const [k, v] of [['BITUNIX_API_KEY', saved.key], ['BITUNIX_API_SECRET', saved.secret]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  const counters = (): Record<string, number> => {
    const last = messages.findLast((m) => m.type === 'counters');
    return last?.type === 'counters' ? last.counters : {};
  };
  const gauges = (): Record<string, number> => {
    const last = messages.findLast((m) => m.type === 'counters');
    return last?.type === 'counters' ? (last.gauges ?? {}) : {};
  };
  const events = (kind: string) =>
    messages.filter((m): m is Extract<WorkerMessage, { type: 'event' }> => m.type === 'event' && m.kind === kind);
  return { sim, messages, result, stop, counters, gauges, events };
}
