import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { tempDir, writeScenario } from '../helpers/run.ts';
import { isLoopback, resolveMetricsHost, MetricsHostError } from '../../src/metrics/bind.ts';

/** A port nothing listens on right now (bound and released on loopback). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

const scenario = (metrics: string) => `name: bind
duration: 1s
sampleInterval: 250ms
probes:
  idle: { kind: idle }
metrics: ${metrics}
`;

test('loopback addresses are told apart from the rest', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) assert.equal(isLoopback(h), true, h);
  for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.org', '128.0.0.1']) assert.equal(isLoopback(h), false, h);
  assert.deepEqual(resolveMetricsHost({}), { host: '127.0.0.1' });
  assert.deepEqual(resolveMetricsHost({ scenarioHost: '::1' }), { host: '::1' });
  assert.throws(() => resolveMetricsHost({ scenarioHost: '0.0.0.0', file: 'x.yaml' }), (err: Error) => {
    assert.ok(err instanceof MetricsHostError);
    assert.match(err.message, /^x\.yaml: metrics\.host: "0\.0\.0\.0".*--metrics-host 0\.0\.0\.0/);
    return true;
  });
  const explicit = resolveMetricsHost({ scenarioHost: '127.0.0.1', flagHost: '0.0.0.0' });
  assert.equal(explicit.host, '0.0.0.0');
  assert.match(explicit.warning!, /every network interface/);
  assert.equal(resolveMetricsHost({ scenarioHost: '0.0.0.0', flagHost: '127.0.0.1' }).warning, undefined, 'the flag wins, loopback needs no warning');
});

test('issue 18 item 13: metrics.host 0.0.0.0 in a scenario without --metrics-host exits 2 naming the key and the flag, nothing bound or written', async () => {
  const dir = tempDir();
  const port = await freePort();
  const file = writeScenario(dir, scenario(`{ host: 0.0.0.0, port: ${port} }`));
  const out = path.join(dir, 'out');
  const res = await runCli(['run', file, '--out', out, '--metrics-port', String(port)], { timeoutMs: 30_000 });
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /metrics\.host: "0\.0\.0\.0"/);
  assert.match(res.stderr, /--metrics-host/);
  assert.ok(res.stderr.includes(file), 'names the file');
  assert.equal(existsSync(out), false, 'nothing was started');
  assert.equal(await connects(port), false);
});

test('--metrics-host beyond loopback is taken and warned about on the terminal', async () => {
  const dir = tempDir();
  const port = await freePort();
  const file = writeScenario(dir, scenario(`{ port: ${port} }`));
  // 192.0.2.1 (TEST-NET-1) is never an address of this machine: the bind is attempted on exactly
  // that address and refused by the OS, so the test exposes nothing beyond loopback.
  const res = await runCli(['run', file, '--out', path.join(dir, 'out'), '--metrics-port', String(port), '--metrics-host', '192.0.2.1'], { timeoutMs: 30_000 });
  assert.match(res.stderr, /WARNING: \/metrics will listen on 192\.0\.2\.1 \(--metrics-host 192\.0\.2\.1\)/);
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, /metrics host 192\.0\.2\.1 is not an address of this machine/);
});
