// What the simulator SENT, so a probe's view can be reconciled against it: per connection and per
// stream, counts and the first/last id. Closed connections are kept up to a cap so a 24 h run with
// a client that reconnects in a tight loop cannot grow the simulator without bound.
import type { FaultRecord } from '../faults.ts';

export interface StreamSendStats {
  /** Data messages sent on this stream. */
  sent: number;
  /** Messages generated while the connection was stalled or too slow to take them. */
  skipped: number;
  /** First/last trade id (`t`), aggregate id (`a`), update id (`U`/`u`, `lastUpdateId`). */
  firstId?: number;
  lastId?: number;
  /** Times the next id sent was not last + 1 (only for streams whose ids are continuous). */
  gaps: number;
  /** False when the connection's USD-M route does not carry this stream: subscribed but silent. */
  routed: boolean;
}

export interface ConnectionStats {
  id: number;
  path: string;
  remote: string;
  market: 'spot' | 'usdm';
  openedAt: number;
  closedAt?: number;
  closeCode?: number;
  closeReason?: string;
  /** True when the simulator closed it (rule, fault, shutdown), false when the client did. */
  serverInitiated?: boolean;
  dataSent: number;
  controlSent: number;
  /** Frames sent by faults (malformed, truncated, oversized) and serverShutdown events. */
  otherSent: number;
  skipped: number;
  incoming: number;
  pingsSent: number;
  pongsReceived: number;
  streams: Record<string, StreamSendStats>;
}

export interface BinanceSimStats {
  startedAt: number;
  now: number;
  connectionsOpened: number;
  connectionsClosed: number;
  openConnections: number;
  /** Handshakes refused, by reason: `rate` (429), `path` (404), `streams` (400), `restarting`. */
  refusedHandshakes: number;
  refusedByReason: Record<string, number>;
  pingsSent: number;
  pongsReceived: number;
  dataSent: number;
  restRequests: number;
  /** Closed connections whose details were dropped to keep memory bounded (oldest first). */
  droppedConnectionRecords: number;
  /** Open connections, then the most recently closed ones. */
  connections: ConnectionStats[];
  faults: FaultRecord[];
}

const MAX_CLOSED_RECORDS = 1000;
/** Per-connection distinct stream records (a client cycling random names cannot grow us). */
export const MAX_STREAM_RECORDS = 2048;

export class StatsCollector {
  readonly startedAt = Date.now();
  connectionsOpened = 0;
  connectionsClosed = 0;
  refusedByReason: Record<string, number> = {};
  pingsSent = 0;
  pongsReceived = 0;
  dataSent = 0;
  restRequests = 0;
  private dropped = 0;
  private readonly open = new Map<number, ConnectionStats>();
  private readonly closed: ConnectionStats[] = [];

  opened(record: ConnectionStats): void {
    this.connectionsOpened++;
    this.open.set(record.id, record);
  }

  closedConnection(record: ConnectionStats): void {
    if (!this.open.delete(record.id)) return;
    this.connectionsClosed++;
    this.closed.push(record);
    if (this.closed.length > MAX_CLOSED_RECORDS) {
      this.closed.shift();
      this.dropped++;
    }
  }

  refused(reason: string): void {
    this.refusedByReason[reason] = (this.refusedByReason[reason] ?? 0) + 1;
  }

  snapshot(faults: FaultRecord[]): BinanceSimStats {
    const refused = Object.values(this.refusedByReason).reduce((a, b) => a + b, 0);
    return structuredClone({
      startedAt: this.startedAt,
      now: Date.now(),
      connectionsOpened: this.connectionsOpened,
      connectionsClosed: this.connectionsClosed,
      openConnections: this.open.size,
      refusedHandshakes: refused,
      refusedByReason: this.refusedByReason,
      pingsSent: this.pingsSent,
      pongsReceived: this.pongsReceived,
      dataSent: this.dataSent,
      restRequests: this.restRequests,
      droppedConnectionRecords: this.dropped,
      connections: [...this.open.values(), ...this.closed.toReversed()],
      faults,
    });
  }
}

export function newConnectionStats(id: number, path: string, remote: string, market: 'spot' | 'usdm'): ConnectionStats {
  return {
    id,
    path,
    remote,
    market,
    openedAt: Date.now(),
    dataSent: 0,
    controlSent: 0,
    otherSent: 0,
    skipped: 0,
    incoming: 0,
    pingsSent: 0,
    pongsReceived: 0,
    streams: Object.create(null) as Record<string, StreamSendStats>,
  };
}
