// One physical WebSocket and everything that must die with it: the outgoing pacer, the liveness
// watchdog, the rotation timer and any unanswered requests. The well-known clients leak exactly
// these across reconnects (close listeners on the TLS socket, 24 h timers), so every one of them
// is owned here and released in one place, `release()`.
import WebSocket from 'ws';
import type { ClientOptions, RawData } from 'ws';
import { Pacer } from './pacer.ts';
import type { Outgoing } from './pacer.ts';
import type { DropCause } from './types.ts';

export type SocketRole = 'primary' | 'candidate';
export type SocketPhase = 'connecting' | 'open' | 'gone';

export interface PendingRequest {
  method: string;
  params: unknown;
  sentAt: number;
  resolve?: (result: unknown) => void;
  reject?: (err: Error) => void;
}

export interface SocketOwner {
  onSocketOpen(sock: BinanceSocket): void;
  onSocketFrame(sock: BinanceSocket, data: RawData, isBinary: boolean): void;
  /** The socket is gone for a reason the owner did not ask for (server close, error, silence). */
  onSocketGone(sock: BinanceSocket, code: number, reason: string, cause: DropCause): void;
  onSocketError(sock: BinanceSocket, err: Error): void;
  onRequestTimeout(sock: BinanceSocket, id: number, req: PendingRequest): void;
  onSocketTick(sock: BinanceSocket, now: number): void;
}

export interface SocketOptions {
  handshakeTimeoutMs: number;
  closeTimeoutMs: number;
  silenceTimeoutMs: number;
  requestTimeoutMs: number;
  maxMessagesPerSec: number;
}

/** ws honours `closeTimeout` but @types/ws does not declare it yet. */
type WsOptions = ClientOptions & { closeTimeout?: number };

// The server counts per second on its own clock; a small margin absorbs timer and clock skew.
const PACER_WINDOW_MS = 1_050;

const noop = () => {};

let serials = 0;

export class BinanceSocket {
  readonly serial = ++serials;
  role: SocketRole;
  phase: SocketPhase = 'connecting';
  readonly url: string;
  readonly createdAt = performance.now();
  openedAt = 0;
  frames = 0;
  /** Valid stream events: the only thing that proves the subscription is alive. */
  dataFrames = 0;
  pings = 0;
  shutdownAnnounced = false;
  /** Streams named in the URL: subscribed at connect time, the rest need frames. */
  readonly urlStreams: readonly string[];
  readonly pending = new Map<number, PendingRequest>();
  lastError: string | undefined;
  private readonly ws: WebSocket;
  private readonly pacer: Pacer;
  private readonly owner: SocketOwner;
  private readonly opts: SocketOptions;
  private ticker: NodeJS.Timeout | undefined;
  private rotateTimer: NodeJS.Timeout | undefined;
  private seenData = 0;
  private lastDataAt = 0;
  private closed: Promise<void> | undefined;

  constructor(owner: SocketOwner, role: SocketRole, url: string, urlStreams: readonly string[], opts: SocketOptions) {
    this.owner = owner;
    this.role = role;
    this.url = url;
    this.urlStreams = urlStreams;
    this.opts = opts;
    this.pacer = new Pacer(opts.maxMessagesPerSec, PACER_WINDOW_MS, (frame) => this.write(frame));
    const wsOptions: WsOptions = {
      handshakeTimeout: opts.handshakeTimeoutMs,
      closeTimeout: opts.closeTimeoutMs,
      // Pongs are sent by the pacer so they count against the per-second budget like Binance counts them.
      autoPong: false,
      perMessageDeflate: false,
      followRedirects: false,
    };
    const ws = new WebSocket(url, wsOptions);
    this.ws = ws;
    ws.on('open', () => this.handleOpen());
    ws.on('message', (data, isBinary) => {
      this.frames++;
      this.owner.onSocketFrame(this, data, isBinary);
    });
    ws.on('ping', (data) => {
      this.pings++;
      this.pacer.pong(data);
    });
    ws.on('close', (code, reason) => this.gone(code, reason.toString() || this.lastError || '', 'server'));
    ws.on('error', (err) => {
      this.lastError = err.message;
      this.owner.onSocketError(this, err);
    });
  }

  get ageMs(): number {
    return this.phase === 'open' ? performance.now() - this.openedAt : 0;
  }

  get framesSent(): number {
    return this.pacer.sent;
  }

  get queued(): number {
    return this.pacer.pending;
  }

  /** Number of SUBSCRIBE/UNSUBSCRIBE still unanswered. */
  pendingSubscriptions(): number {
    let n = 0;
    for (const req of this.pending.values()) if (req.method !== 'LIST_SUBSCRIPTIONS') n++;
    return n;
  }

  markData(): void {
    this.dataFrames++;
  }

  request(id: number, method: string, params: unknown, resolve?: (result: unknown) => void, reject?: (err: Error) => void): void {
    if (this.phase !== 'open') {
      reject?.(new Error(`socket not open (${this.phase})`));
      return;
    }
    this.pending.set(id, { method, params, sentAt: performance.now(), resolve, reject });
    this.pacer.send(params === undefined ? JSON.stringify({ method, id }) : JSON.stringify({ method, params, id }));
  }

  /** Sends a raw text frame through the pacer (tests, custom methods). */
  sendRaw(text: string): void {
    if (this.phase === 'open') this.pacer.send(text);
  }

  setRotateTimer(ms: number, fn: () => void): void {
    if (this.rotateTimer) clearTimeout(this.rotateTimer);
    if (this.phase === 'gone') return;
    // setTimeout overflows past ~24.8 days; a rotation that far away is simply re-armed.
    const delay = Math.min(Math.max(0, ms), 2 ** 31 - 1);
    this.rotateTimer = setTimeout(() => {
      this.rotateTimer = undefined;
      fn();
    }, delay);
  }

  /** Closes on the owner's request: no `onSocketGone`. Resolves once the TCP socket is closed. */
  dispose(code = 1000, reason = 'client closing'): Promise<void> {
    if (this.phase === 'gone') return this.closed ?? Promise.resolve();
    const wasOpen = this.phase === 'open';
    this.phase = 'gone';
    this.release();
    if (wasOpen) this.ws.close(code, reason);
    else this.ws.terminate();
    return this.closed!;
  }

  /** Drops the socket for a client-side reason (silence): the owner hears it as gone. */
  kill(cause: DropCause, code: number, reason: string): void {
    if (this.phase === 'gone') return;
    this.ws.terminate();
    this.gone(code, reason, cause);
  }

  private handleOpen(): void {
    if (this.phase !== 'connecting') return;
    this.phase = 'open';
    this.openedAt = performance.now();
    this.lastDataAt = this.openedAt;
    const silence = this.opts.silenceTimeoutMs;
    // One interval per socket instead of a timer reset per message keeps the hot path free.
    const tick = silence > 0 ? Math.min(Math.max(Math.floor(silence / 4), 10), 5_000) : 1_000;
    this.ticker = setInterval(() => this.tick(), tick);
    this.owner.onSocketOpen(this);
  }

  private tick(): void {
    if (this.phase !== 'open') return;
    const now = performance.now();
    if (this.dataFrames !== this.seenData) {
      this.seenData = this.dataFrames;
      this.lastDataAt = now;
    } else if (this.opts.silenceTimeoutMs > 0 && now - this.lastDataAt >= this.opts.silenceTimeoutMs) {
      this.kill('silence', 1006, `no stream data for ${Math.round(now - this.lastDataAt)} ms`);
      return;
    }
    if (this.pending.size > 0) {
      for (const [id, req] of this.pending) {
        if (now - req.sentAt < this.opts.requestTimeoutMs) continue;
        this.pending.delete(id);
        req.reject?.(new Error(`${req.method} id ${id}: no answer within ${this.opts.requestTimeoutMs} ms`));
        this.owner.onRequestTimeout(this, id, req);
        if (this.phase !== 'open') return;
      }
    }
    this.owner.onSocketTick(this, now);
  }

  private write(frame: Outgoing): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (frame.kind === 'text') this.ws.send(frame.text);
    else this.ws.pong(frame.data);
  }

  private gone(code: number, reason: string, cause: DropCause): void {
    if (this.phase === 'gone') return;
    this.phase = 'gone';
    this.release();
    this.owner.onSocketGone(this, code, reason, cause);
  }

  private release(): void {
    if (this.ticker) clearInterval(this.ticker);
    if (this.rotateTimer) clearTimeout(this.rotateTimer);
    this.ticker = undefined;
    this.rotateTimer = undefined;
    this.pacer.dispose();
    if (this.pending.size > 0) {
      const err = new Error('socket closed before the answer');
      for (const req of this.pending.values()) req.reject?.(err);
      this.pending.clear();
    }
    const ws = this.ws;
    ws.removeAllListeners();
    // A late error from a socket we no longer listen to must not become an uncaught exception.
    ws.on('error', noop);
    this.closed =
      ws.readyState === WebSocket.CLOSED ? Promise.resolve() : new Promise<void>((resolve) => ws.once('close', () => resolve()));
  }
}
