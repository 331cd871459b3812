// One logical connection: a set of streams on one route, carried by a succession of sockets.
//
// Reconnects after a drop (backoff + shared connect limiter), resubscribes whatever the set holds
// at that moment, and rotates before the venue's 24 h limit: the new socket opens while the old
// one keeps delivering, its events are held until it has caught up with the old one on every
// stream (or the overlap wait runs out), then the old socket is closed and the held events are
// replayed through the same sequence check, so the consumer sees neither a gap nor a duplicate.
import type { RawData } from 'ws';
import { reconnectDelay } from './backoff.ts';
import type { MarketEvent } from './payloads.ts';
import { classifyDrop, classifyFrame, streamList } from './frames.ts';
import { ACCEPT, DUPLICATE, GAP, ID_JUMP, RESET, acceptEvent, newStreamState, overlapReached, seqLow } from './sequence.ts';
import type { StreamState } from './sequence.ts';
import { BinanceSocket } from './socket.ts';
import type { PendingRequest, SocketOptions, SocketOwner } from './socket.ts';
import type { Route } from './streams.ts';
import { combinedStreamUrl } from './urls.ts';
import { describeRoute } from './routes.ts';
import type { ConnectionStats, DropCause, ResolvedOptions } from './types.ts';
import type { ConnectLimiter } from './backoff.ts';
import type { ConnectionHost } from './host.ts';

interface Rotation {
  sock: BinanceSocket;
  reason: 'max-age' | 'server-shutdown';
  startedAt: number;
  /** Candidate's first key per stream. */
  first: Map<string, number>;
  /** Streams where the old socket has not yet reached the candidate's first event. */
  waiting: Set<string>;
  heldStates: StreamState[];
  heldEvents: MarketEvent[];
}

// A control answer, already checked to carry an id and a result or an error.
type Json = any;

export class StreamConnection implements SocketOwner {
  readonly id: string;
  readonly route: Route;
  readonly states = new Map<string, StreamState>();
  private primary: BinanceSocket | undefined;
  private rotation: Rotation | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private rotationFailures = 0;
  /** Set from a drop until the next socket opens: the window in which data may be missing. */
  private downSince: number | undefined;
  private started = false;
  /** A first connect that fails is not a reconnect: nobody has data to resync yet. */
  private everOpened = false;
  private closed = false;
  private failed = false;
  private readonly host: ConnectionHost;
  private readonly opts: ResolvedOptions;
  private readonly limiter: ConnectLimiter;
  private readonly socketOptions: SocketOptions;

  constructor(host: ConnectionHost, id: string, route: Route, streams: readonly string[]) {
    this.host = host;
    this.id = id;
    this.route = route;
    this.opts = host.options;
    this.limiter = host.limiter;
    this.socketOptions = {
      handshakeTimeoutMs: this.opts.handshakeTimeoutMs,
      closeTimeoutMs: this.opts.closeTimeoutMs,
      silenceTimeoutMs: this.opts.silenceTimeoutMs,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      maxMessagesPerSec: this.opts.maxMessagesPerSec,
    };
    for (const name of streams) this.states.set(name, newStreamState(name));
  }

  get size(): number {
    return this.states.size;
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.connectPrimary();
  }

  add(names: readonly string[]): void {
    const added: string[] = [];
    for (const name of names) {
      if (this.states.has(name)) continue;
      this.states.set(name, newStreamState(name));
      added.push(name);
    }
    if (added.length === 0) return;
    if (this.primary?.phase === 'open') this.subscribe(this.primary, added, 'SUBSCRIBE');
    if (this.rotation?.sock.phase === 'open') this.subscribe(this.rotation.sock, added, 'SUBSCRIBE');
  }

  remove(names: readonly string[]): void {
    const removed: string[] = [];
    for (const name of names) if (this.states.delete(name)) removed.push(name);
    if (removed.length === 0) return;
    if (this.primary?.phase === 'open') this.subscribe(this.primary, removed, 'UNSUBSCRIBE');
    if (this.rotation?.sock.phase === 'open') this.subscribe(this.rotation.sock, removed, 'UNSUBSCRIBE');
  }

  listSubscriptions(): Promise<string[]> {
    const sock = this.primary;
    if (!sock || sock.phase !== 'open') return Promise.reject(new Error(`${this.id}: no open socket`));
    return new Promise((resolve, reject) => {
      sock.request(this.host.nextId(), 'LIST_SUBSCRIPTIONS', undefined, (result) => resolve(result as string[]), reject);
    });
  }

  /** Starts a rotation now, whatever the age (operators and tests). */
  rotateNow(): void {
    this.startRotation('max-age');
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const waits: Promise<void>[] = [];
    if (this.primary) waits.push(this.primary.dispose(1000, 'client closing'));
    if (this.rotation) waits.push(this.rotation.sock.dispose(1000, 'client closing'));
    this.primary = undefined;
    this.rotation = undefined;
    return Promise.all(waits).then(() => undefined);
  }

  stats(): ConnectionStats {
    const sock = this.primary;
    let state: ConnectionStats['state'];
    if (this.closed) state = 'closed';
    else if (this.failed) state = 'failed';
    else if (this.rotation) state = 'rotating';
    else if (sock?.phase === 'open') state = 'open';
    else if (sock?.phase === 'connecting') state = 'connecting';
    else state = 'waiting';
    return { connection: this.id, route: this.route, state, streams: this.states.size, ageMs: sock?.ageMs ?? 0, attempts: this.attempts };
  }

  // ---- sockets -------------------------------------------------------------------------------

  private openSocket(role: 'primary' | 'candidate'): BinanceSocket {
    const names = [...this.states.keys()];
    const inUrl = this.opts.subscribeVia === 'url' ? names.slice(0, this.opts.maxUrlStreams) : [];
    const url = combinedStreamUrl(this.opts.wsBaseUrl, this.route, inUrl);
    return new BinanceSocket(this, role, url, inUrl, this.socketOptions);
  }

  private connectPrimary(): void {
    this.reconnectTimer = undefined;
    if (this.closed) return;
    const wait = this.limiter.waitMs();
    if (wait > 0 || !this.limiter.tryTake()) {
      this.reconnectTimer = setTimeout(() => this.connectPrimary(), Math.max(wait, 1));
      return;
    }
    this.primary = this.openSocket('primary');
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    if (this.attempts > this.opts.maxReconnectAttempts) {
      this.failed = true;
      this.host.error('give-up', `${this.id}: giving up after ${this.attempts - 1} reconnect attempts`, this.id, undefined, true);
      return;
    }
    const delay = reconnectDelay(this.opts.backoff, this.attempts, this.opts.reconnectDelayMs, this.opts.maxReconnectDelayMs);
    this.reconnectTimer = setTimeout(() => this.connectPrimary(), Math.max(delay, this.limiter.waitMs()));
  }

  private subscribe(sock: BinanceSocket, names: readonly string[], method: 'SUBSCRIBE' | 'UNSUBSCRIBE'): void {
    const size = this.opts.maxStreamsPerRequest;
    for (let i = 0; i < names.length; i += size) {
      const chunk = names.slice(i, i + size);
      const id = this.host.nextId();
      sock.request(
        id,
        method,
        chunk,
        method === 'SUBSCRIBE'
          ? () => this.host.emit('subscribed', { connection: this.id, route: this.route, id, streams: chunk })
          : undefined,
      );
    }
  }

  onSocketOpen(sock: BinanceSocket): void {
    if (this.closed) return;
    this.host.counts.connects++;
    // Whatever the URL did not carry (added since, or beyond maxUrlStreams) goes by frames.
    const inUrl = new Set(sock.urlStreams);
    const missing: string[] = [];
    for (const name of this.states.keys()) if (!inUrl.has(name)) missing.push(name);
    const stale = sock.urlStreams.filter((name) => !this.states.has(name));
    if (sock.role === 'candidate') {
      this.host.emit('open', { connection: this.id, route: this.route, url: sock.url, rotation: true, reconnect: false, attempt: 0 });
      if (missing.length > 0) this.subscribe(sock, missing, 'SUBSCRIBE');
      if (stale.length > 0) this.subscribe(sock, stale, 'UNSUBSCRIBE');
      return;
    }
    const reconnect = this.downSince !== undefined;
    this.host.emit('open', { connection: this.id, route: this.route, url: sock.url, rotation: false, reconnect, attempt: this.attempts });
    if (missing.length > 0) this.subscribe(sock, missing, 'SUBSCRIBE');
    if (stale.length > 0) this.subscribe(sock, stale, 'UNSUBSCRIBE');
    this.everOpened = true;
    this.armRotation(sock);
    if (reconnect) {
      const downtimeMs = performance.now() - this.downSince!;
      this.downSince = undefined;
      this.host.counts.reconnects++;
      this.host.emit('reconnected', { connection: this.id, route: this.route, downtimeMs, attempts: this.attempts });
    }
  }

  onSocketError(sock: BinanceSocket, err: Error): void {
    // Failed connects are reported once, when the attempt is over (onSocketGone); an open
    // socket's error is worth hearing about on its own.
    if (sock.phase === 'open') this.host.error('socket', `${this.id}: ${err.message}`, this.id);
  }

  onRequestTimeout(sock: BinanceSocket, id: number, req: PendingRequest): void {
    this.host.error('request', `${this.id}: ${req.method} id ${id} unanswered after ${this.opts.requestTimeoutMs} ms`, this.id);
    if (this.rotation?.sock === sock) this.maybeSwitch(this.rotation, performance.now());
  }

  onSocketTick(sock: BinanceSocket, now: number): void {
    if (this.rotation?.sock === sock) this.maybeSwitch(this.rotation, now);
  }

  onSocketGone(sock: BinanceSocket, code: number, reason: string, cause: DropCause): void {
    if (this.closed) return;
    const now = performance.now();
    if (sock.role === 'candidate') {
      if (this.rotation?.sock !== sock) return;
      const rot = this.rotation;
      this.rotation = undefined;
      this.rotationFailures++;
      const what = sock.openedAt > 0 ? `closed (${code} ${reason})` : `failed to connect (${sock.lastError ?? code})`;
      this.host.error('rotation', `${this.id}: rotation socket ${what}; the current one keeps serving`, this.id, code);
      const primary = this.primary;
      if (primary?.phase === 'open') {
        const retry = reconnectDelay(this.opts.backoff, this.rotationFailures, this.opts.reconnectDelayMs, this.opts.maxReconnectDelayMs);
        primary.setRotateTimer(Math.max(retry, this.limiter.waitMs()), () => this.startRotation(rot.reason));
      }
      return;
    }
    if (sock !== this.primary) return;
    this.primary = undefined;
    if (sock.openedAt === 0) {
      if (this.everOpened) this.downSince ??= now;
      this.attempts++;
      this.host.error('connect', `${this.id}: connect failed: ${sock.lastError ?? `${code} ${reason}`}`, this.id, code);
      this.scheduleReconnect();
      return;
    }
    const ageMs = now - sock.openedAt;
    const { cause: dropCause, scheduled } = classifyDrop({ cause, shutdownAnnounced: sock.shutdownAnnounced, ageMs, serverMaxConnectionAgeMs: this.opts.serverMaxConnectionAgeMs });
    if (dropCause === 'silence') {
      // On USD-M a stream on the wrong route is silent, not refused: say which route stayed quiet.
      const list = streamList([...this.states.keys()]);
      this.host.error(
        'silence',
        `${this.id}: ${describeRoute(this.route)} (${sock.url.split('?')[0]}) delivered no stream data for ${this.opts.silenceTimeoutMs} ms; streams: ${list}. A stream the venue serves on another route stays silent: see the route table in docs/binance-routes.md`,
        this.id,
        code,
      );
    }
    this.recordDrop(scheduled, code, reason, dropCause, ageMs);
    // A connection that served long enough earns a fresh backoff; a flapping one does not.
    if (sock.dataFrames > 0 && ageMs >= this.opts.stableConnectionMs) this.attempts = 0;
    const rot = this.rotation;
    if (rot && rot.sock.phase === 'open') {
      this.promote(rot, now);
      return;
    }
    this.downSince = now;
    if (!scheduled) this.attempts++;
    if (rot) {
      // The new socket is still connecting: it simply becomes the reconnect.
      this.rotation = undefined;
      rot.sock.role = 'primary';
      this.primary = rot.sock;
      return;
    }
    this.scheduleReconnect();
  }

  private recordDrop(scheduled: boolean, code: number, reason: string, cause: DropCause, ageMs: number): void {
    if (scheduled) this.host.counts.dropsScheduled++;
    else this.host.counts.dropsUnscheduled++;
    this.host.emit('drop', { connection: this.id, route: this.route, scheduled, code, reason, cause, ageMs });
  }

  // ---- rotation ------------------------------------------------------------------------------

  private armRotation(sock: BinanceSocket): void {
    const maxAge = this.opts.maxConnectionAgeMs;
    if (!(maxAge > 0) || !Number.isFinite(maxAge)) return;
    sock.setRotateTimer(sock.openedAt + maxAge - performance.now(), () => this.startRotation('max-age'));
  }

  private startRotation(reason: Rotation['reason']): void {
    if (this.closed || this.rotation || this.primary?.phase !== 'open') return;
    const primary = this.primary;
    const wait = this.limiter.waitMs();
    if (wait > 0 || !this.limiter.tryTake()) {
      primary.setRotateTimer(Math.max(wait, 1), () => this.startRotation(reason));
      return;
    }
    this.rotation = {
      sock: this.openSocket('candidate'),
      reason,
      startedAt: performance.now(),
      first: new Map(),
      waiting: new Set(),
      heldStates: [],
      heldEvents: [],
    };
  }

  private maybeSwitch(rot: Rotation, now: number): void {
    const sock = rot.sock;
    if (sock.shutdownAnnounced || sock.phase !== 'open' || sock.dataFrames === 0 || sock.pendingSubscriptions() > 0) return;
    if (rot.waiting.size > 0 && now - sock.openedAt < this.opts.rotationOverlapMaxMs) return;
    this.promote(rot, now);
  }

  private promote(rot: Rotation, now: number): void {
    this.rotation = undefined;
    const sock = rot.sock;
    const old = this.primary;
    sock.role = 'primary';
    this.primary = sock;
    let oldAgeMs = 0;
    if (old && old.phase === 'open') {
      oldAgeMs = old.ageMs;
      void old.dispose(1000, 'rotation');
      this.recordDrop(true, 1000, 'rotation', rot.reason === 'server-shutdown' ? 'server-shutdown' : 'rotation', oldAgeMs);
    }
    const duplicatesBefore = this.host.counts.duplicates;
    const held = rot.heldEvents.length;
    for (let i = 0; i < held; i++) {
      const st = rot.heldStates[i]!;
      if (this.states.get(st.name) !== st) continue; // unsubscribed meanwhile
      this.deliver(sock, st, rot.heldEvents[i]!, true);
    }
    // From here the new socket is the only source: its later events continue its own sequence.
    for (const st of this.states.values()) st.epoch = sock.serial;
    this.downSince = undefined;
    this.rotationFailures = 0;
    this.host.counts.rotations++;
    this.host.emit('rotation', {
      connection: this.id,
      route: this.route,
      reason: rot.reason,
      oldAgeMs,
      overlapMs: sock.openedAt > 0 ? now - sock.openedAt : 0,
      replayed: held,
      duplicates: this.host.counts.duplicates - duplicatesBefore,
      forced: rot.waiting.size > 0,
    });
    this.armRotation(sock);
  }

  // ---- frames --------------------------------------------------------------------------------

  onSocketFrame(sock: BinanceSocket, raw: RawData, isBinary: boolean): void {
    this.host.counts.frames++;
    const frame = classifyFrame(raw, isBinary, this.states, this.opts.market);
    switch (frame.kind) {
      case 'malformed':
        this.host.malformed(frame.reason, frame.sample, this.id, frame.stream);
        return;
      case 'shutdown':
        this.onShutdown(sock);
        return;
      case 'control':
        this.onControl(sock, frame.msg);
        return;
      case 'event':
        this.host.counts.events++;
        sock.markData();
        if (sock.role === 'candidate') this.hold(sock, frame.stream, frame.data);
        else this.deliver(sock, frame.stream, frame.data, false);
    }
  }

  private deliver(sock: BinanceSocket, st: StreamState, data: MarketEvent, replay: boolean): void {
    const result = acceptEvent(st, data, this.opts.market, sock.serial, replay);
    if (result === DUPLICATE) {
      this.host.counts.duplicates++;
      return;
    }
    if (result === ID_JUMP) {
      this.host.malformed('id-jump', JSON.stringify(data).slice(0, 200), this.id, st.name);
      return;
    }
    if (result !== ACCEPT) {
      if (result === GAP) this.host.gap(this.id, st);
      else if (result === RESET) {
        this.host.error('sequence-reset', `${st.name}: ids restarted (below the last delivered on a new socket, or confirmed far ahead of it)`, this.id);
      }
    }
    this.host.deliver(st, data);
    const rot = this.rotation;
    if (rot !== undefined && !replay && rot.waiting.size > 0 && rot.waiting.has(st.name)) {
      if (overlapReached(st, rot.first.get(st.name)!)) {
        rot.waiting.delete(st.name);
        this.maybeSwitch(rot, performance.now());
      }
    }
  }

  private hold(sock: BinanceSocket, st: StreamState, data: MarketEvent): void {
    const rot = this.rotation;
    if (rot === undefined || rot.sock !== sock) return;
    rot.heldStates.push(st);
    rot.heldEvents.push(data);
    if (!rot.first.has(st.name)) {
      const low = seqLow(st.kind, data, this.opts.market);
      rot.first.set(st.name, low);
      if (!overlapReached(st, low)) rot.waiting.add(st.name);
    }
    if (rot.heldEvents.length >= this.opts.maxRotationBuffer) {
      if (sock.pendingSubscriptions() === 0) this.promote(rot, performance.now());
      return;
    }
    this.maybeSwitch(rot, performance.now());
  }

  private onControl(sock: BinanceSocket, msg: Json): void {
    const id = msg.id;
    const req = typeof id === 'number' ? sock.pending.get(id) : undefined;
    if (req === undefined) {
      this.host.malformed('unknown-id', JSON.stringify(msg).slice(0, 200), this.id);
      return;
    }
    sock.pending.delete(id);
    if (msg.error !== undefined && msg.error !== null) {
      const code = typeof msg.error.code === 'number' ? msg.error.code : undefined;
      const text = `${this.id}: ${req.method} ${JSON.stringify(req.params ?? null).slice(0, 120)} rejected: ${code ?? '?'} ${msg.error.msg ?? ''}`;
      this.host.error('request', text, this.id, code);
      req.reject?.(new Error(text));
    } else {
      req.resolve?.(msg.result);
    }
    if (this.rotation?.sock === sock) this.maybeSwitch(this.rotation, performance.now());
  }

  private onShutdown(sock: BinanceSocket): void {
    if (sock.shutdownAnnounced) return;
    sock.shutdownAnnounced = true;
    if (sock.role === 'candidate') {
      // A server going down announces to every socket on it, so a rotation's new socket can get
      // the notice too (#17 item 13). Switching to it would only move the drop onto the socket we
      // just switched to: let it go and rotate again onto a socket that has not been told.
      const rot = this.rotation;
      if (rot?.sock !== sock) return;
      this.rotation = undefined;
      void sock.dispose(1000, 'rotation socket announced shutdown');
      this.startRotation(this.primary?.shutdownAnnounced ? 'server-shutdown' : rot.reason);
      return;
    }
    this.host.emit('shutdown', { connection: this.id, route: this.route });
    const rot = this.rotation;
    if (rot && !rot.sock.shutdownAnnounced) rot.reason = 'server-shutdown';
    else this.startRotation('server-shutdown');
  }
}
