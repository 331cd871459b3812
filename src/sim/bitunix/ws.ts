// The WebSocket side: /public/ and /private/ on the HTTP port. Behaviour follows the docs
// (openapidoc.bitunix.com "Websocket API") and, where they are silent, what was observed live:
//  - the server speaks first: {"op":"connect","data":{"result":true}}
//  - JSON ping {"op":"ping","ping":<s>} -> {"op":"ping","pong":<same>,"ping":<server s>}
//  - a valid subscribe gets no reply (observed); more than 300 streams get
//    {"op":"subscribe","data":{"msg":"subscribe channel > 300","nonce":"","result":false}}
//  - a socket that sends no data frame for `idleTimeoutMs` is dropped without a close frame (1006,
//    observed at ~60 s); protocol-level pings do not count as activity (observed)
//  - login {"op":"login","args":[{apiKey,timestamp,nonce,sign}]} -> {"op":"login","data":{"result":true}}
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Verifier } from './auth.ts';
import { targets, type Conditions } from './conditions.ts';
import type { Market } from './market.ts';
import type { Account, AccountEvent } from './orders.ts';
import type { CloseReason, StatsRecorder, WsPath } from './stats.ts';
import { orderPush, positionPush } from './views.ts';

const PUBLIC_CHANNELS = new Set(['ticker', 'trade', 'depth_book1', 'depth_book5', 'depth_book15']);
const PRIVATE_CHANNELS = new Set(['order', 'position', 'balance', 'tpsl']);
const MAX_SUBSCRIPTIONS = 300;
/** A client this far behind is not reading; its pushes are dropped rather than buffered without bound. */
const SLOW_CONSUMER_BYTES = 4 * 1024 * 1024;

interface Conn {
  id: number;
  path: WsPath;
  ws: WebSocket;
  socket: Socket;
  subs: Map<string, { ch: string; symbol?: string }>;
  loggedIn: boolean;
  stalledUntil: number;
  idle?: NodeJS.Timeout;
  /** Latest time a delayed frame is due, so added latency never reorders frames. */
  sendAt: number;
  pending: Set<NodeJS.Timeout>;
  serverClose?: { code: number; reason: CloseReason };
}

export interface HubDeps {
  stats: StatsRecorder;
  conditions: Conditions;
  verifier: Verifier;
  market: Market;
  account: Account;
  idleTimeoutMs: number;
}

function pathOf(url: string | undefined): WsPath | undefined {
  const pathname = (url ?? '').split('?')[0]!.replace(/\/+$/, '');
  if (pathname === '/public') return 'public';
  if (pathname === '/private') return 'private';
  return undefined;
}

export class WsHub {
  private readonly deps: HubDeps;
  private readonly wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: 64 * 1024 });
  private readonly conns = new Map<number, Conn>();
  private nextId = 1;
  private loginRejections = 0;
  private drained: (() => void) | undefined;

  constructor(deps: HubDeps) {
    this.deps = deps;
  }

  get size(): number {
    return this.conns.size;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = pathOf(req.url);
    if (!path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, socket as Socket, path));
  }

  // ---- pushes ----------------------------------------------------------------------------------

  /** One round of public pushes for every subscription, built once per stream per round. */
  broadcastPublic(): void {
    const now = this.deps.conditions.now();
    const built = new Map<string, string>();
    for (const conn of this.conns.values()) {
      if (conn.path !== 'public') continue;
      for (const [key, sub] of conn.subs) {
        let text = built.get(key);
        if (text === undefined) {
          text = this.publicMessage(sub.ch, sub.symbol!, now);
          built.set(key, text);
        }
        this.send(conn, text, sub.ch);
      }
    }
  }

  pushAccount(event: AccountEvent): void {
    const { market, account, conditions } = this.deps;
    const data =
      event.ch === 'order' ? orderPush(market, event.event, event.order) : positionPush(market, account, event.event, event.position);
    const text = JSON.stringify({ ch: event.ch, ts: conditions.now(), data });
    for (const conn of this.conns.values()) {
      if (conn.path === 'private' && conn.loggedIn && conn.subs.has(event.ch)) this.send(conn, text, event.ch);
    }
  }

  // ---- faults ----------------------------------------------------------------------------------

  rejectNextLogins(count: number): void {
    this.loginRejections += count;
  }

  drop(target: string | undefined, code = 1006): number {
    return this.each(target, (conn) => this.serverClose(conn, code, 'drop'));
  }

  reset(target: string | undefined): number {
    return this.each(target, (conn) => {
      conn.serverClose = { code: 1006, reason: 'reset' };
      conn.socket.resetAndDestroy();
    });
  }

  stall(target: string | undefined, ms: number): number {
    const until = Date.now() + ms;
    return this.each(target, (conn) => (conn.stalledUntil = until));
  }

  /** Sends raw text (a malformed, truncated or oversized frame) past the stall/latency rules. */
  sendRaw(target: string | undefined, text: string, label: string): number {
    return this.each(target, (conn) => {
      if (conn.ws.readyState !== WebSocket.OPEN) return;
      conn.ws.send(text);
      this.deps.stats.pushed(label);
    });
  }

  /** `count` copies of a real push as fast as the socket takes them. */
  burst(target: string | undefined, count: number): number {
    const symbol = this.deps.market.symbols[0]!;
    const text = this.publicMessage('ticker', symbol, this.deps.conditions.now());
    return this.each(target, (conn) => {
      for (let i = 0; i < count && conn.ws.readyState === WebSocket.OPEN; i++) {
        conn.ws.send(text);
        this.deps.stats.pushed('ticker');
      }
    });
  }

  /** Closes every connection (abruptly unless a code is given) and resolves once all are gone. */
  closeAll(reason: CloseReason, code = 1006): Promise<void> {
    for (const conn of this.conns.values()) this.serverClose(conn, code, reason);
    return this.whenEmpty();
  }

  async shutdown(): Promise<void> {
    await this.closeAll('shutdown');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  // ---- connection lifecycle --------------------------------------------------------------------

  private accept(ws: WebSocket, socket: Socket, path: WsPath): void {
    const conn: Conn = {
      id: this.nextId++,
      path,
      ws,
      socket,
      subs: new Map(),
      loggedIn: false,
      stalledUntil: 0,
      sendAt: 0,
      pending: new Set(),
    };
    this.conns.set(conn.id, conn);
    this.deps.stats.wsOpened(path);
    ws.on('message', (data) => this.onMessage(conn, data));
    ws.on('close', (code) => this.onClose(conn, code));
    ws.on('error', () => {
      // Every error is followed by 'close', which does the bookkeeping.
    });
    conn.idle = setTimeout(() => this.serverClose(conn, 1006, 'idle'), this.deps.idleTimeoutMs);
    this.send(conn, JSON.stringify({ op: 'connect', data: { result: true } }), 'op:connect');
  }

  private onClose(conn: Conn, code: number): void {
    if (!this.conns.delete(conn.id)) return;
    clearTimeout(conn.idle);
    for (const timer of conn.pending) clearTimeout(timer);
    conn.pending.clear();
    conn.subs.clear();
    const by = conn.serverClose ? 'server' : 'client';
    this.deps.stats.wsClosed(conn.path, by, conn.serverClose?.code ?? code, conn.serverClose?.reason ?? 'client');
    if (this.conns.size === 0 && this.drained) {
      const done = this.drained;
      this.drained = undefined;
      done();
    }
  }

  private serverClose(conn: Conn, code: number, reason: CloseReason): void {
    if (conn.serverClose) return;
    conn.serverClose = { code, reason };
    // 1006 cannot be sent on the wire: it *is* the absence of a close frame.
    if (code === 1006) {
      conn.ws.terminate();
      return;
    }
    try {
      conn.ws.close(code, reason);
    } catch {
      // A code the protocol forbids on the wire (1004, 1005, 1015): fall back to an abrupt close.
      conn.serverClose = { code: 1006, reason };
      conn.ws.terminate();
    }
  }

  private whenEmpty(): Promise<void> {
    if (this.conns.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.drained;
      this.drained = () => {
        previous?.();
        resolve();
      };
    });
  }

  // ---- inbound ---------------------------------------------------------------------------------

  private onMessage(conn: Conn, data: RawData): void {
    conn.idle?.refresh();
    if (Date.now() < conn.stalledUntil) return;
    let msg: { op?: unknown; ping?: unknown; args?: unknown };
    try {
      msg = JSON.parse(data.toString()) as typeof msg;
    } catch {
      return; // observed: text that is not JSON gets no reply and the socket stays open
    }
    if (msg === null || typeof msg !== 'object') return;
    switch (msg.op) {
      case 'ping':
        this.send(conn, JSON.stringify({ op: 'ping', pong: msg.ping, ping: Math.floor(this.deps.conditions.now() / 1000) }), 'op:ping');
        return;
      case 'subscribe':
        this.subscribe(conn, msg.args);
        return;
      case 'unsubscribe':
        this.unsubscribe(conn, msg.args);
        return;
      case 'login':
        if (conn.path === 'private') this.login(conn, msg.args);
        return;
      default:
        return; // observed: an unknown op gets no reply
    }
  }

  private subscribe(conn: Conn, args: unknown): void {
    if (!Array.isArray(args)) return;
    for (const raw of args) {
      const arg = (raw ?? {}) as { ch?: unknown; symbol?: unknown };
      const ch = typeof arg.ch === 'string' ? arg.ch : '';
      const stream = this.streamOf(conn.path, ch, arg.symbol);
      if (!stream || conn.subs.has(stream.key)) continue;
      if (conn.subs.size >= MAX_SUBSCRIPTIONS) {
        this.deps.stats.subscriptionRefused();
        this.send(conn, JSON.stringify({ op: 'subscribe', data: { msg: 'subscribe channel > 300', nonce: '', result: false } }), 'op:subscribe');
        return;
      }
      conn.subs.set(stream.key, { ch, symbol: stream.symbol });
    }
  }

  private unsubscribe(conn: Conn, args: unknown): void {
    if (!Array.isArray(args)) return;
    for (const raw of args) {
      const arg = (raw ?? {}) as { ch?: unknown; channel?: unknown; symbol?: unknown };
      const ch = typeof arg.ch === 'string' ? arg.ch : typeof arg.channel === 'string' ? arg.channel : '';
      const stream = this.streamOf(conn.path, ch, arg.symbol);
      if (stream) conn.subs.delete(stream.key);
    }
    this.send(conn, JSON.stringify({ op: 'unsubscribe', ts: this.deps.conditions.now(), data: 'success' }), 'op:unsubscribe');
  }

  /** Public streams need a known symbol (upper-cased, as live accepts lower case); private ones take none. */
  private streamOf(path: WsPath, ch: string, symbol: unknown): { key: string; symbol?: string } | undefined {
    if (path === 'private') return PRIVATE_CHANNELS.has(ch) ? { key: ch } : undefined;
    if (!PUBLIC_CHANNELS.has(ch) || typeof symbol !== 'string') return undefined;
    const upper = symbol.toUpperCase();
    return this.deps.market.has(upper) ? { key: `${ch}|${upper}`, symbol: upper } : undefined;
  }

  private login(conn: Conn, args: unknown): void {
    const { stats, verifier, conditions } = this.deps;
    const reply = (result: boolean, msg?: string) =>
      this.send(conn, JSON.stringify({ op: 'login', data: msg ? { result, msg } : { result } }), 'op:login');
    if (this.loginRejections > 0) {
      this.loginRejections--;
      stats.login(false, 'fault');
      reply(false, 'login rejected');
      return;
    }
    const arg = Array.isArray(args) ? ((args[0] ?? {}) as Record<string, unknown>) : {};
    const failure = verifier.verifyLogin(arg, conditions.now());
    if (failure) {
      stats.login(false, failure.reason);
      reply(false, failure.msg);
      return;
    }
    conn.loggedIn = true;
    stats.login(true);
    reply(true);
  }

  // ---- outbound --------------------------------------------------------------------------------

  private publicMessage(ch: string, symbol: string, now: number): string {
    const { market } = this.deps;
    let data: unknown;
    if (ch === 'ticker') data = market.ticker(symbol);
    else if (ch === 'trade') data = market.trades(symbol, now);
    else data = market.depth(symbol, Number(ch.slice('depth_book'.length)));
    return JSON.stringify({ ch, symbol, ts: now, data });
  }

  private send(conn: Conn, text: string, label: string): void {
    if (conn.ws.readyState !== WebSocket.OPEN || conn.serverClose) return;
    if (Date.now() < conn.stalledUntil) return; // a stalled server says nothing at all
    if (conn.ws.bufferedAmount > SLOW_CONSUMER_BYTES) {
      this.deps.stats.slowConsumerDrop();
      return;
    }
    const delay = this.deps.conditions.latencyFor(conn.path, `/${conn.path}/`);
    const now = Date.now();
    if (delay <= 0 && conn.pending.size === 0) {
      this.write(conn, text, label);
      return;
    }
    const at = Math.max(now + delay, conn.sendAt);
    conn.sendAt = at;
    const timer = setTimeout(() => {
      conn.pending.delete(timer);
      this.write(conn, text, label);
    }, at - now);
    conn.pending.add(timer);
  }

  private write(conn: Conn, text: string, label: string): void {
    if (conn.ws.readyState !== WebSocket.OPEN || conn.serverClose) return;
    conn.ws.send(text);
    this.deps.stats.pushed(label);
  }

  private each(target: string | undefined, fn: (conn: Conn) => void): number {
    let selected = [...this.conns.values()].filter((c) => !c.serverClose && targets(target, c.path, `/${c.path}/`));
    if (target === 'one') selected = selected.slice(0, 1);
    for (const conn of selected) fn(conn);
    return selected.length;
  }
}
