// Bitunix futures WebSocket (public and private). The server greets with `op:"connect"`; keep
// the connection alive with JSON pings (`{"op":"ping","ping":<unix s>}`) — protocol-level pings
// made the official demo drop with 1011, so none are sent. Silence longer than `idleTimeoutMs`
// means a dead link: terminate and reconnect with jittered backoff, log in again, resubscribe.
import { EventEmitter } from 'eventemitter3';
import WebSocket from 'ws';
import { backoffDelay } from './backoff.ts';
import { BitunixError } from './errors.ts';
import { asList, isObject, num, parseBookTop, parseOrderEvent, parsePosition, parseTicker, str } from './parse.ts';
import { makeNonce, type BitunixCredentials } from './signer.ts';
import type { BookTop, OrderEvent, Position, Ticker } from './types.ts';

export const BITUNIX_WS_PUBLIC_URL = 'wss://fapi.bitunix.com/public/';
export const BITUNIX_WS_PRIVATE_URL = 'wss://fapi.bitunix.com/private/';

export interface Subscription {
  ch: string;
  symbol?: string;
}

export interface BitunixWsOptions {
  url: string;
  /** Given → a private connection that logs in before subscribing. */
  credentials?: BitunixCredentials;
  subscriptions?: Subscription[];
  /** JSON ping period; ≤ 10 s is safe on the live venue. */
  pingIntervalMs?: number;
  /** No frame at all for this long → the link is dead. */
  idleTimeoutMs?: number;
  connectTimeoutMs?: number;
  loginTimeoutMs?: number;
  /** How long to wait for the server's `connect` greeting before going ahead anyway. */
  greetingTimeoutMs?: number;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** Consecutive rejected logins before giving up (a wrong secret must not loop forever). */
  maxLoginFailures?: number;
  random?: () => number;
}

export interface CloseInfo {
  code: number;
  reason: string;
  /** We asked for it, or the server announced it. */
  scheduled: boolean;
}

export interface BitunixWsEvents {
  /** Socket open (before login). `reconnect` is true after the first connection. */
  open: (info: { reconnect: boolean }) => void;
  /** Logged in (private) and subscriptions sent. */
  ready: (info: { reconnect: boolean }) => void;
  close: (info: CloseInfo) => void;
  /** A reconnect is scheduled. */
  reconnecting: (info: { attempt: number; delayMs: number }) => void;
  ticker: (ticker: Ticker, ts: number) => void;
  depth: (top: BookTop) => void;
  order: (order: OrderEvent, ts: number) => void;
  position: (position: Position, ts: number) => void;
  /** Every parsed frame, for callers that want other channels. */
  message: (frame: Record<string, unknown>) => void;
  error: (error: BitunixError) => void;
  /** Gave up for good (repeated login rejection). */
  fatal: (error: BitunixError) => void;
}

type Phase = 'idle' | 'connecting' | 'greeting' | 'login' | 'ready' | 'closed';

export class BitunixWs extends EventEmitter<BitunixWsEvents> {
  readonly url: string;
  private readonly credentials: BitunixCredentials | undefined;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly pingIntervalMs: number;
  private readonly idleTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly loginTimeoutMs: number;
  private readonly greetingTimeoutMs: number;
  private readonly reconnectBackoff: { baseMs: number; maxMs: number };
  private readonly maxLoginFailures: number;
  private readonly random: () => number;

  private socket: WebSocket | undefined;
  private phase: Phase = 'idle';
  private stopped = false;
  private gaveUp = false;
  private everOpened = false;
  private attempt = 0;
  private loginFailures = 0;
  private lastRx = 0;
  private scheduledClose = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private phaseTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Connections opened after the first one. */
  reconnects = 0;

  constructor(options: BitunixWsOptions) {
    super();
    this.url = options.url;
    this.credentials = options.credentials;
    for (const sub of options.subscriptions ?? []) this.subscriptions.set(subKey(sub), sub);
    this.pingIntervalMs = options.pingIntervalMs ?? 5000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? Math.max(3 * this.pingIntervalMs, 1000);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.loginTimeoutMs = options.loginTimeoutMs ?? 10_000;
    this.greetingTimeoutMs = options.greetingTimeoutMs ?? 1000;
    this.reconnectBackoff = { baseMs: options.reconnectBaseMs ?? 500, maxMs: options.reconnectMaxMs ?? 30_000 };
    this.maxLoginFailures = options.maxLoginFailures ?? 5;
    this.random = options.random ?? Math.random;
  }

  get isPrivate(): boolean {
    return this.credentials !== undefined;
  }

  get isReady(): boolean {
    return this.phase === 'ready';
  }

  connect(): void {
    if (this.stopped || this.socket) return;
    this.open();
  }

  /** Adds channels; sent at once when ready, and again after every reconnect. */
  subscribe(subs: Subscription[]): void {
    const fresh = subs.filter((s) => !this.subscriptions.has(subKey(s)));
    for (const sub of fresh) this.subscriptions.set(subKey(sub), sub);
    if (fresh.length > 0 && this.phase === 'ready') this.send({ op: 'subscribe', args: fresh });
  }

  /** Closes for good (a scheduled disconnect). */
  close(): void {
    this.stopped = true;
    this.clearTimers();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const socket = this.socket;
    if (socket) {
      this.scheduledClose = true;
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(1000, 'client closing');
    } else {
      this.phase = 'closed';
    }
  }

  /** Drops the current connection as if it had died (tests, forced rotation). */
  terminate(): void {
    this.socket?.terminate();
  }

  private open(): void {
    this.phase = 'connecting';
    this.scheduledClose = false;
    const socket = new WebSocket(this.url, { handshakeTimeout: this.connectTimeoutMs, autoPong: true });
    this.socket = socket;
    socket.on('open', () => {
      const reconnect = this.everOpened;
      if (reconnect) this.reconnects++;
      this.everOpened = true;
      this.lastRx = Date.now();
      this.phase = 'greeting';
      this.emit('open', { reconnect });
      this.startHeartbeat();
      // The server greets first; if it does not, go ahead rather than hang.
      this.setPhaseTimer(this.greetingTimeoutMs, () => this.afterGreeting());
    });
    socket.on('message', (data) => this.onFrame(data.toString()));
    socket.on('error', (err) => {
      this.emit('error', new BitunixError(`Bitunix WS ${this.kind()}: ${err.message}`, { kind: 'ws', cause: err }));
    });
    socket.on('close', (code, reasonBuffer) => this.onClose(socket, code, reasonBuffer.toString()));
  }

  private kind(): string {
    return this.isPrivate ? 'private' : 'public';
  }

  private afterGreeting(): void {
    if (this.phase !== 'greeting') return;
    if (this.credentials) {
      this.phase = 'login';
      const nonce = makeNonce();
      const timestamp = String(Math.floor(Date.now() / 1000));
      this.send({
        op: 'login',
        args: [{ apiKey: this.credentials.apiKey, timestamp, nonce, sign: this.credentials.signWsLogin(nonce, timestamp) }],
      });
      this.setPhaseTimer(this.loginTimeoutMs, () => {
        this.emit('error', new BitunixError(`Bitunix WS private: no login answer within ${this.loginTimeoutMs} ms`, { kind: 'ws' }));
        this.socket?.terminate();
      });
    } else {
      this.becomeReady();
    }
  }

  private becomeReady(): void {
    this.clearPhaseTimer();
    this.phase = 'ready';
    this.attempt = 0;
    if (this.subscriptions.size > 0) this.send({ op: 'subscribe', args: [...this.subscriptions.values()] });
    this.emit('ready', { reconnect: this.reconnects > 0 });
  }

  private onFrame(text: string): void {
    this.lastRx = Date.now();
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      this.emit('error', new BitunixError(`Bitunix WS ${this.kind()}: frame is not JSON (${text.length} bytes)`, { kind: 'ws' }));
      return;
    }
    if (!isObject(frame)) return;
    this.emit('message', frame);
    const op = str(frame.op)?.toLowerCase();
    if (op === 'connect') {
      if (this.phase === 'greeting') this.afterGreeting();
      return;
    }
    if (op === 'ping' || op === 'pong') return;
    if (op === 'login') {
      this.onLoginAnswer(frame);
      return;
    }
    if (op && /shutdown/i.test(op)) {
      this.scheduledClose = true;
      return;
    }
    const event = str(frame.event) ?? str(frame.type);
    if (event && /shutdown/i.test(event)) {
      this.scheduledClose = true;
      return;
    }
    const ch = str(frame.ch);
    if (!ch) return;
    const ts = num(frame.ts) ?? Date.now();
    const symbol = str(frame.symbol);
    if (ch === 'ticker' || ch === 'tickers') {
      for (const raw of asList(frame.data)) {
        const ticker = parseTicker(isObject(raw) && symbol && !raw.symbol && !raw.s ? { ...raw, symbol } : raw);
        if (ticker) this.emit('ticker', ticker, ts);
      }
    } else if (ch.startsWith('depth_book')) {
      const top = parseBookTop(frame.data, ts);
      if (top) this.emit('depth', symbol && !top.symbol ? { ...top, symbol, ts } : { ...top, ts });
    } else if (ch === 'order') {
      for (const raw of asList(frame.data)) {
        const order = parseOrderEvent(raw);
        if (order) this.emit('order', order, ts);
      }
    } else if (ch === 'position') {
      for (const raw of asList(frame.data)) {
        const position = parsePosition(raw);
        if (position) this.emit('position', position, ts);
      }
    }
  }

  private onLoginAnswer(frame: Record<string, unknown>): void {
    if (this.phase !== 'login') return;
    const data = isObject(frame.data) ? frame.data : undefined;
    const code = num(frame.code);
    const ok =
      data?.result === true || data?.result === 'true' || frame.success === true || (data?.result === undefined && code === 0);
    if (ok) {
      this.loginFailures = 0;
      this.becomeReady();
      return;
    }
    this.loginFailures++;
    const msg = str(data?.msg) ?? str(frame.msg) ?? str(frame.message) ?? 'login rejected';
    const error = new BitunixError(`Bitunix WS private: login rejected (${msg}); check BITUNIX_API_KEY / BITUNIX_API_SECRET and the clock`, {
      kind: 'auth',
      ...(code !== undefined ? { code } : {}),
    });
    this.emit('error', error);
    if (this.loginFailures >= this.maxLoginFailures) {
      this.stopped = true;
      this.gaveUp = true;
      this.emit('fatal', error);
    }
    this.socket?.close(4001, 'login rejected');
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastRx > this.idleTimeoutMs) {
        this.emit('error', new BitunixError(`Bitunix WS ${this.kind()}: silent for ${Date.now() - this.lastRx} ms, reconnecting`, { kind: 'ws' }));
        this.socket?.terminate();
        return;
      }
      this.send({ op: 'ping', ping: Math.floor(Date.now() / 1000) });
    }, this.pingIntervalMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private setPhaseTimer(ms: number, fn: () => void): void {
    this.clearPhaseTimer();
    this.phaseTimer = setTimeout(fn, ms);
  }

  private clearPhaseTimer(): void {
    if (this.phaseTimer) clearTimeout(this.phaseTimer);
    this.phaseTimer = undefined;
  }

  private clearTimers(): void {
    this.stopHeartbeat();
    this.clearPhaseTimer();
  }

  private send(message: unknown): void {
    const socket = this.socket;
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  private onClose(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.clearTimers();
    socket.removeAllListeners();
    // Late 'error' events from a dead socket must not become unhandled.
    socket.on('error', () => {});
    const wasOpen = this.phase !== 'connecting';
    const scheduled = this.scheduledClose || (this.stopped && !this.gaveUp);
    this.phase = this.stopped ? 'closed' : 'idle';
    if (wasOpen || this.stopped) this.emit('close', { code, reason, scheduled });
    if (this.stopped) return;
    const delayMs = backoffDelay(this.attempt, this.reconnectBackoff, this.random);
    this.attempt++;
    this.emit('reconnecting', { attempt: this.attempt, delayMs });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopped) this.open();
    }, delayMs);
  }
}

function subKey(sub: Subscription): string {
  return `${sub.ch}|${sub.symbol ?? ''}`;
}
