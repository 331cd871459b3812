// One client connection: its subscriptions and framing, the keepalive and age rules, the incoming
// rate limit, and the per-connection fault states (stall, latency). Every timer it starts is
// cleared when it closes, whoever closes it.
import type { Socket } from 'node:net';
import type { WebSocket, RawData } from 'ws';
import { handleControl, type ControlTarget } from './control.ts';
import type { Batch, Subscriber } from './generator.ts';
import type { Hub } from './hub.ts';
import { SlidingWindow, type Rules } from './rules.ts';
import { MAX_STREAM_RECORDS, newConnectionStats, type ConnectionStats, type StatsCollector } from './stats.ts';
import { routes, type Market, type Route, type StreamSpec } from './streams.ts';

/** A reader this far behind stops getting data (counted as skipped) instead of growing our memory. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

// Binance documents that it disconnects in these cases, not with which codes: these follow what
// each code means in RFC 6455 (1008 policy violation, 1003 unacceptable data, 1001 going away).
export const CLOSE = {
  pongTimeout: { code: 1008, reason: 'Pong timeout' },
  tooManyRequests: { code: 1008, reason: 'Too many requests' },
  invalidJson: { code: 1003, reason: 'Invalid JSON' },
  maxAge: { code: 1000, reason: 'Connection age limit reached' },
  shutdown: { code: 1001, reason: 'Server shutdown' },
  closing: { code: 1001, reason: 'Simulator closing' },
} as const;

export interface ConnectionDeps {
  hub: Hub;
  stats: StatsCollector;
  rules: Rules;
  /** Exchange time for event stamps (a clockSkew fault shifts it). */
  clock: () => number;
  onClosed: (conn: Connection) => void;
}

export interface ConnectionInit {
  id: number;
  ws: WebSocket;
  socket: Socket;
  path: string;
  remote: string;
  market: Market;
  route: Route;
  combined: boolean;
  micro: boolean;
  streams: StreamSpec[];
}

interface Queued {
  at: number;
  run: () => void;
}

export class Connection implements Subscriber, ControlTarget {
  readonly id: number;
  readonly market: Market;
  readonly route: Route;
  readonly path: string;
  readonly micro: boolean;
  readonly record: ConnectionStats;
  combined: boolean;
  private readonly ws: WebSocket;
  private readonly socket: Socket;
  private readonly deps: ConnectionDeps;
  private readonly subs = new Map<string, StreamSpec>();
  private readonly incoming: SlidingWindow;
  private closing: { code: number; reason: string } | undefined;
  private disposed = false;
  private corked = false;
  // Keepalive.
  private pingTimer: NodeJS.Timeout | undefined;
  private pongTimer: NodeJS.Timeout | undefined;
  private ageTimer: NodeJS.Timeout | undefined;
  private lastPing: string | undefined;
  private pingSeq = 0;
  // Faults.
  private stalledUntil = 0;
  private stallTimer: NodeJS.Timeout | undefined;
  private latencyUntil = 0;
  private latencyMs = 0;
  private readonly queue: Queued[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(init: ConnectionInit, deps: ConnectionDeps) {
    this.id = init.id;
    this.ws = init.ws;
    this.socket = init.socket;
    this.path = init.path;
    this.market = init.market;
    this.route = init.route;
    this.combined = init.combined;
    this.micro = init.micro;
    this.deps = deps;
    this.incoming = new SlidingWindow(deps.rules.maxIncomingPerSec, 1000);
    this.record = newConnectionStats(init.id, init.path, init.remote, init.market);
    deps.stats.opened(this.record);

    this.ws.on('message', this.onMessage);
    this.ws.on('ping', this.onPing);
    this.ws.on('pong', this.onPong);
    this.ws.on('close', this.onClose);
    this.ws.on('error', () => {
      // The 'close' that follows does the cleanup.
    });
    this.subscribe(init.streams);
    const { pingIntervalMs, maxConnectionAgeMs, shutdownNoticeMs } = deps.rules;
    if (pingIntervalMs > 0) this.pingTimer = setInterval(this.sendPing, pingIntervalMs);
    if (maxConnectionAgeMs > 0 && Number.isFinite(maxConnectionAgeMs)) {
      const notice = Math.max(0, Math.min(shutdownNoticeMs, maxConnectionAgeMs / 2));
      this.ageTimer = setTimeout(() => this.shutdown(CLOSE.maxAge.code, CLOSE.maxAge.reason, notice), maxConnectionAgeMs - notice);
    }
  }

  get open(): boolean {
    return !this.closing && !this.disposed;
  }

  get stalled(): boolean {
    return this.stalledUntil > Date.now();
  }

  streams(): StreamSpec[] {
    return [...this.subs.values()];
  }

  // --- ControlTarget -------------------------------------------------------------------------

  list(): string[] {
    return [...this.subs.keys()];
  }

  subscribe(specs: StreamSpec[]): boolean {
    const fresh = [...new Map(specs.filter((spec) => !this.subs.has(spec.name)).map((spec) => [spec.name, spec])).values()];
    if (this.subs.size + fresh.length > this.deps.rules.maxStreamsPerConnection) return false;
    for (const spec of fresh) {
      this.subs.set(spec.name, spec);
      const routed = routes(this.route, spec);
      const streams = this.record.streams;
      if (!streams[spec.name] && Object.keys(streams).length < MAX_STREAM_RECORDS) {
        streams[spec.name] = { sent: 0, skipped: 0, gaps: 0, routed };
      }
      if (routed) this.deps.hub.attach(this, spec, this.market);
    }
    return true;
  }

  unsubscribe(specs: StreamSpec[]): void {
    for (const spec of specs) {
      if (!this.subs.delete(spec.name)) continue;
      this.deps.hub.detach(this, spec, this.market);
    }
  }

  // --- Outgoing ------------------------------------------------------------------------------

  deliver(batch: Batch): void {
    if (!this.open) return;
    const rec = this.record.streams[batch.stream];
    if (this.stalled || this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.record.skipped += batch.count;
      if (rec) rec.skipped += batch.count;
      return;
    }
    this.push(batch.frames(this.combined, this.micro));
    this.record.dataSent += batch.count;
    this.deps.stats.dataSent += batch.count;
    if (!rec) return;
    rec.sent += batch.count;
    if (batch.firstId !== undefined) {
      if (batch.continuous && rec.lastId !== undefined && batch.firstId !== rec.lastId + 1) rec.gaps++;
      rec.firstId ??= batch.firstId;
    }
    if (batch.lastId !== undefined) rec.lastId = batch.lastId;
  }

  /** Sends frames that are not stream data (fault frames); false when nothing could be sent. */
  sendOther(frames: string[]): boolean {
    if (!this.open || this.stalled) return false;
    this.push(frames);
    this.record.otherSent += frames.length;
    return true;
  }

  private sendControl(reply: string): void {
    if (!this.open || this.stalled) return;
    this.push([reply]);
    this.record.controlSent++;
  }

  private push(frames: string[]): void {
    if (this.latencyUntil > Date.now() || this.queue.length > 0) {
      this.enqueue(() => this.write(frames));
      return;
    }
    this.write(frames);
  }

  private write(frames: string[]): void {
    if (this.disposed) return;
    // One cork per event-loop turn: every batch of this tick leaves in a single writev.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    for (const frame of frames) this.ws.send(frame);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  private enqueue(run: () => void): void {
    const last = this.queue.at(-1);
    const at = Math.max(Date.now() + (this.latencyUntil > Date.now() ? this.latencyMs : 0), last?.at ?? 0);
    this.queue.push({ at, run });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.queue.length === 0) return;
    const wait = Math.max(0, this.queue[0]!.at - Date.now());
    this.flushTimer = setTimeout(this.flush, wait);
  }

  private readonly flush = (): void => {
    this.flushTimer = undefined;
    const now = Date.now();
    while (this.queue.length > 0 && this.queue[0]!.at <= now) this.queue.shift()!.run();
    this.scheduleFlush();
  };

  // --- Incoming ------------------------------------------------------------------------------

  /** Every frame counts against the rate limit: pings, pongs and JSON alike. */
  private countIncoming(): boolean {
    if (!this.open) return false;
    this.record.incoming++;
    if (this.incoming.hit(Date.now())) return true;
    this.close(CLOSE.tooManyRequests.code, CLOSE.tooManyRequests.reason);
    return false;
  }

  private readonly onMessage = (data: RawData): void => {
    if (!this.countIncoming()) return;
    const text = Array.isArray(data) ? Buffer.concat(data).toString() : Buffer.from(data as Uint8Array).toString();
    const outcome = handleControl(text, this);
    this.sendControl(outcome.reply);
    if (outcome.close) this.close(CLOSE.invalidJson.code, CLOSE.invalidJson.reason);
  };

  private readonly onPing = (payload: Buffer): void => {
    if (!this.countIncoming() || this.stalled) return;
    this.ws.pong(payload);
  };

  private readonly onPong = (payload: Buffer): void => {
    if (!this.countIncoming()) return;
    this.record.pongsReceived++;
    this.deps.stats.pongsReceived++;
    // Only an echo of the last ping answers it; unsolicited pongs keep nothing alive.
    if (this.lastPing !== undefined && payload.toString() === this.lastPing) {
      this.lastPing = undefined;
      clearTimeout(this.pongTimer);
      this.pongTimer = undefined;
    }
  };

  private readonly sendPing = (): void => {
    if (!this.open || this.stalled) return;
    this.lastPing = String(++this.pingSeq);
    this.ws.ping(this.lastPing);
    this.record.pingsSent++;
    this.deps.stats.pingsSent++;
    if (!this.pongTimer) {
      this.pongTimer = setTimeout(() => this.close(CLOSE.pongTimeout.code, CLOSE.pongTimeout.reason), this.deps.rules.pongTimeoutMs);
    }
  };

  // --- Faults --------------------------------------------------------------------------------

  /** Silence: no data, no control replies, no pings sent or answered; the socket stays open. */
  stall(durationMs: number): void {
    this.stalledUntil = Date.now() + durationMs;
    // The client cannot answer pings we do not send: the deadline restarts with the next ping.
    clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
    this.lastPing = undefined;
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      this.stalledUntil = 0;
    }, durationMs);
  }

  latency(delayMs: number, durationMs: number): void {
    this.latencyMs = delayMs;
    this.latencyUntil = Date.now() + durationMs;
  }

  /** serverShutdown, then a close after `graceMs` (Binance's scheduled disconnect). */
  shutdown(code: number, reason: string, graceMs = 0): boolean {
    if (!this.open) return false;
    const E = this.deps.clock() * (this.micro ? 1000 : 1);
    const event = `{"e":"serverShutdown","E":${E}}`;
    this.sendOther([this.combined ? `{"stream":"!serverShutdown","data":${event}}` : event]);
    clearTimeout(this.ageTimer);
    clearTimeout(this.graceTimer);
    this.ageTimer = this.graceTimer = undefined;
    if (graceMs > 0) this.graceTimer = setTimeout(() => this.close(code, reason), graceMs);
    else this.close(code, reason);
    return true;
  }

  /**
   * Server-initiated close. 1006 means no close frame (the TCP connection just goes away), 1005 a
   * close frame without a code; codes a close frame cannot carry also end up as 1006.
   */
  close(requested: number, reason = ''): void {
    if (!this.open) return;
    const code = effectiveCloseCode(requested);
    this.closing = { code, reason };
    this.stopTimers();
    const run = () => {
      if (code === 1006) this.socket.destroy();
      else if (code === 1005) this.ws.close();
      else this.ws.close(code, reason);
    };
    // Frames delayed by a latency fault leave before the close, as they would on a slow link.
    if (this.queue.length > 0) this.enqueue(run);
    else run();
  }

  reset(): void {
    if (this.disposed) return;
    if (!this.closing) this.closing = { code: 1006, reason: 'reset' };
    this.stopTimers();
    this.socket.resetAndDestroy();
  }

  /** Forced end (simulator closing): no grace for the client's close frame. */
  terminate(): void {
    if (this.disposed) return;
    this.closing ??= { ...CLOSE.closing };
    this.ws.terminate();
  }

  private stopTimers(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    clearTimeout(this.ageTimer);
    clearTimeout(this.stallTimer);
    clearTimeout(this.graceTimer);
    this.pingTimer = this.pongTimer = this.ageTimer = this.stallTimer = this.graceTimer = undefined;
  }

  private readonly onClose = (code: number, reason: Buffer): void => {
    if (this.disposed) return;
    this.disposed = true;
    this.stopTimers();
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.queue.length = 0;
    for (const spec of this.subs.values()) this.deps.hub.detach(this, spec, this.market);
    this.subs.clear();
    const server = this.closing !== undefined;
    this.record.closedAt = Date.now();
    this.record.serverInitiated = server;
    this.record.closeCode = server ? this.closing!.code : code;
    this.record.closeReason = server ? this.closing!.reason : reason.toString();
    this.deps.stats.closedConnection(this.record);
    this.deps.onClosed(this);
  };
}

/** Codes a close frame may carry (RFC 6455 7.4), 1005 (empty close frame), else 1006. */
export function effectiveCloseCode(code: number): number {
  const sendable = (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1006) || (code >= 3000 && code <= 4999);
  return sendable ? code : 1006;
}
