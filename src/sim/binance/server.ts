// One node:http server carries both the WebSocket upgrades and REST, like Binance's hosts do for a
// client that only knows one base URL. It also owns the fault states that are not per connection
// (REST latency and failures, clock skew, restart) and every timer the simulator starts.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { http } from '../../shared/builtins.ts';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { FaultSpecSchema, type FaultInjector } from '../faults.ts';
import { CLOSE, Connection } from './connection.ts';
import type { Hub } from './hub.ts';
import { parseWsUrl } from './paths.ts';
import { restAnswer, type RestAnswer } from './rest.ts';
import { ConnectLimiter, resolveRules, type Rules } from './rules.ts';
import type { StatsCollector } from './stats.ts';
import type { Market } from './streams.ts';

export interface SimServerOptions {
  host: string;
  port: number;
  hub: Hub;
  stats: StatsCollector;
  symbols: string[];
  rules: Partial<Rules>;
}

/** How long close() lets clients answer our close frame before cutting them off. */
const CLOSE_GRACE_MS = 200;
const MAX_PAYLOAD = 1024 * 1024;

export class SimServer {
  readonly host: string;
  port: number;
  readonly hub: Hub;
  readonly stats: StatsCollector;
  faults: FaultInjector | undefined;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly conns = new Map<number, Connection>();
  private readonly rules: Record<Market, Rules>;
  private readonly limiter: ConnectLimiter;
  private readonly symbols: string[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextId = 1;
  private listening = false;
  private closed = false;
  private relistenAttempts = 0;
  private relistenTimer: NodeJS.Timeout | undefined;
  // Fault state shared by every client.
  private skewMs = 0;
  private skewSeq = 0;
  private restLatencyMs = 0;
  private restLatencyUntil = 0;
  private readonly restFailures: { count: number; answer: RestAnswer }[] = [];
  private weightMinute = 0;
  private weightUsed = 0;

  constructor(opts: SimServerOptions) {
    this.host = opts.host;
    this.port = opts.port;
    this.hub = opts.hub;
    this.stats = opts.stats;
    this.symbols = opts.symbols;
    this.rules = { spot: resolveRules('spot', opts.rules), usdm: resolveRules('usdm', opts.rules) };
    this.limiter = new ConnectLimiter(this.rules.spot.maxConnectAttempts, this.rules.spot.connectWindowMs);
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      // Pongs are ours to withhold during a stall.
      autoPong: false,
      maxPayload: MAX_PAYLOAD,
    });
    this.http = http.createServer(this.onRequest);
    this.http.on('upgrade', this.onUpgrade);
    this.http.on('error', this.onServerError);
    this.http.keepAliveTimeout = 5000;
  }

  /** Exchange time: wall time plus any clock-skew fault. */
  readonly clock = (): number => Date.now() + this.skewMs;

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.http.once('error', onError);
      this.http.listen(this.port, this.host, () => {
        this.http.off('error', onError);
        this.listening = true;
        const address = this.http.address();
        if (address && typeof address === 'object') this.port = address.port;
        resolve(this.port);
      });
    });
  }

  /** Open connections, oldest first. */
  connections(): Connection[] {
    return [...this.conns.values()].filter((c) => c.open);
  }

  /** A timer the simulator owns: cleared by close() if it has not fired. */
  later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  skewClock(ms: number, durationMs: number): void {
    this.skewMs = ms;
    // Only the latest skew's end resets the clock.
    const seq = ++this.skewSeq;
    this.later(durationMs, () => {
      if (seq === this.skewSeq) this.skewMs = 0;
    });
  }

  delayRest(ms: number, durationMs: number): void {
    this.restLatencyMs = ms;
    this.restLatencyUntil = Date.now() + durationMs;
  }

  failRest(count: number, answer: RestAnswer): void {
    this.restFailures.push({ count, answer });
  }

  /** Every connection and the listener go away; the same port listens again after `downMs`. */
  restart(downMs: number, code: number): number[] {
    const ids = this.connections().map((conn) => {
      conn.close(code, 'Service restart');
      return conn.id;
    });
    if (this.listening) {
      this.listening = false;
      this.http.close();
      this.http.closeAllConnections();
    }
    this.relistenAttempts = 0;
    // A restart during a restart: the later deadline wins, there is only ever one re-listen.
    this.scheduleRelisten(downMs);
    return ids;
  }

  private scheduleRelisten(ms: number): void {
    clearTimeout(this.relistenTimer);
    this.relistenTimer = setTimeout(this.relisten, ms);
  }

  private readonly relisten = (): void => {
    this.relistenTimer = undefined;
    if (this.closed || this.listening) return;
    this.http.listen(this.port, this.host, () => {
      this.listening = true;
    });
  };

  private readonly onServerError = (err: NodeJS.ErrnoException): void => {
    // Only a re-listen after a restart fault can fail here (the port was taken meanwhile).
    if (!this.closed && !this.listening && err.code === 'EADDRINUSE' && this.relistenAttempts++ < 50) {
      this.scheduleRelisten(100);
    }
  };

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    if (this.closed || !this.listening) return void this.refuse(socket, 503, 'Service Unavailable', 'restarting');
    const ip = req.socket.remoteAddress ?? 'unknown';
    if (!this.limiter.attempt(ip, Date.now())) return void this.refuse(socket, 429, 'Too Many Requests', 'rate');
    const target = parseWsUrl(req.url ?? '/');
    if (!target) return void this.refuse(socket, 404, 'Not Found', 'path');
    const rules = this.rules[target.market];
    if (target.streams.length > rules.maxStreamsPerConnection) return void this.refuse(socket, 400, 'Bad Request', 'streams');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.closed) return void ws.terminate();
      const id = this.nextId++;
      const conn = new Connection(
        { id, ws, socket: socket as Socket, path: req.url ?? '/', remote: ip, ...target },
        {
          hub: this.hub,
          stats: this.stats,
          rules,
          clock: this.clock,
          onClosed: (c) => this.conns.delete(c.id),
        },
      );
      this.conns.set(id, conn);
    });
  };

  private refuse(socket: Duplex, status: number, text: string, reason: string): void {
    this.stats.refused(reason);
    const body = JSON.stringify({ code: -1, msg: text });
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    if (url.startsWith('/_sim/')) return void this.simApi(req, res, url);
    this.stats.restRequests++;
    const failure = this.restFailures[0];
    let answer: RestAnswer;
    if (failure) {
      answer = failure.answer;
      if (--failure.count <= 0) this.restFailures.shift();
    } else {
      answer = restAnswer(req.method ?? 'GET', url, { hub: this.hub, clock: this.clock, symbols: this.symbols });
    }
    const minute = Math.floor(Date.now() / 60_000);
    if (minute !== this.weightMinute) {
      this.weightMinute = minute;
      this.weightUsed = 0;
    }
    const headers = {
      'Content-Type': 'application/json;charset=UTF-8',
      'x-mbx-used-weight': String(++this.weightUsed),
      'x-mbx-used-weight-1m': String(this.weightUsed),
      ...answer.headers,
    };
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(answer.status, headers);
      res.end(answer.body);
    };
    if (this.restLatencyUntil > Date.now()) this.later(this.restLatencyMs, send);
    else send();
  };

  private simApi(req: IncomingMessage, res: ServerResponse, url: string): void {
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const path = url.split('?')[0];
    if (req.method === 'GET' && path === '/_sim/stats') return reply(200, this.stats.snapshot(this.faults?.log ?? []));
    if (req.method === 'GET' && path === '/_sim/faults') return reply(200, this.faults?.log ?? []);
    if (req.method === 'POST' && path === '/_sim/faults') {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= 64 * 1024) chunks.push(chunk);
      });
      req.on('end', () => {
        try {
          const spec = FaultSpecSchema.parse({ at: 0, ...JSON.parse(Buffer.concat(chunks).toString()) });
          reply(200, this.faults!.fire(spec));
        } catch (err) {
          reply(400, { error: (err as Error).message });
        }
      });
      return;
    }
    reply(404, { error: 'unknown simulator endpoint' });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.faults?.stop();
    this.hub.stop();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    clearTimeout(this.relistenTimer);
    for (const conn of this.conns.values()) conn.close(CLOSE.closing.code, CLOSE.closing.reason);
    const deadline = Date.now() + CLOSE_GRACE_MS;
    while (this.conns.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const conn of this.conns.values()) conn.terminate();
    while (this.conns.size > 0 && Date.now() < deadline + CLOSE_GRACE_MS) await new Promise((r) => setTimeout(r, 5));
    this.wss.close();
    await new Promise<void>((resolve) => {
      if (!this.listening) return resolve();
      this.listening = false;
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }
}
