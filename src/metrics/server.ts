// Prometheus /metrics over HTTP: a bus consumer with its own prom-client registry (never the
// global one: two runs in one process, or a library user's own metrics, must not mix), served
// on 127.0.0.1 unless told otherwise.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { http } from '../shared/builtins.ts';
import type { AddressInfo } from 'node:net';
import { Registry } from './prom.ts';
import type { Bus } from '../bus/bus.ts';
import type { ProbeEvent, RunInfo, Sample, VerdictProgress } from '../bus/types.ts';
import { RunSeries } from './series.ts';
import { VerdictGauges } from './verdict-gauges.ts';
import { maskSecrets } from '../shared/secrets.ts';

export interface MetricsOptions {
  bus: Bus;
  /** Bind address; loopback unless the scenario asks (metrics.host). */
  host?: string;
  /** 0 = disabled (returns undefined); 'any' = a free port the OS picks (tests). */
  port: number | 'any';
}

export interface MetricsServer {
  url: string;
  port: number;
  registry: Registry;
  close(): Promise<void>;
}

/** The port could not be bound: the message names it, the caller turns it into an exit code. */
export class MetricsPortError extends Error {
  readonly port: number;
  readonly code?: string;

  constructor(message: string, port: number, code?: string) {
    super(message);
    this.port = port;
    this.code = code;
  }
}

export async function startMetrics(opts: MetricsOptions): Promise<MetricsServer | undefined> {
  if (opts.port === 0) return undefined;
  const host = opts.host ?? '127.0.0.1';
  const requested = opts.port === 'any' ? 0 : opts.port;
  if (!Number.isInteger(requested) || requested < 0 || requested > 65535) {
    throw new MetricsPortError(`metrics port must be an integer 0..65535, got ${opts.port}`, Number(requested));
  }
  const registry = new Registry();
  const series = new RunSeries(registry);
  const verdictGauges = new VerdictGauges(registry);
  const server = http.createServer((req, res) => void serve(registry, req, res));
  // Scrapers reuse connections; a stale keep-alive socket must not hold close() up.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const where = `${host}:${requested}`;
      const why =
        err.code === 'EADDRINUSE'
          ? `metrics port ${requested} on ${host} is already in use (another exsoak run? set metrics.port in the scenario or --metrics-port; 0 disables)`
          : err.code === 'EACCES'
            ? `metrics port ${requested} on ${host}: permission denied (ports below 1024 need privileges)`
            : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND'
              ? `metrics host ${host} is not an address of this machine (port ${requested})`
              : `metrics server could not listen on ${where}: ${err.message}`;
      reject(new MetricsPortError(why, requested, err.code));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port: requested, exclusive: true });
  });

  const onRunStart = (info: RunInfo) => {
    series.onRunStart(info);
    verdictGauges.onRunStart(info);
  };
  const onSample = (sample: Sample) => series.onSample(sample);
  const onEvent = (event: ProbeEvent) => series.onEvent(event);
  const onProgress = (progress: VerdictProgress) => verdictGauges.onProgress(progress);
  opts.bus.on('run:start', onRunStart);
  opts.bus.on('sample', onSample);
  opts.bus.on('event', onEvent);
  opts.bus.on('verdict:progress', onProgress);

  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}/metrics`,
    port,
    registry,
    close() {
      closed ??= new Promise<void>((resolve) => {
        opts.bus.off('run:start', onRunStart);
        opts.bus.off('sample', onSample);
        opts.bus.off('event', onEvent);
        opts.bus.off('verdict:progress', onProgress);
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => registry.clear());
      return closed;
    },
  };
}

async function serve(registry: Registry, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const pathname = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
    return;
  }
  if (pathname === '/metrics') {
    try {
      // Probe and counter names are the user's: known secret values are masked here as in every output.
      const body = maskSecrets(await registry.metrics());
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics failed: ${(err as Error).message}\n`);
    }
    return;
  }
  if (pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('exsoak: Prometheus metrics at /metrics\n');
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /metrics\n');
}
