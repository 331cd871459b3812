// What the simulator did, counted on the server side: the truth a soak run reconciles its probe's
// own counters against. Everything is a counter keyed by a small closed set (endpoints, codes,
// channels), so the record stays the same size over an 8 h run.
import type { OrderCounters } from './orders.ts';

export type WsPath = 'public' | 'private';
export type CloseReason = 'idle' | 'drop' | 'reset' | 'restart' | 'shutdown' | 'slow' | 'client';

export interface EndpointStats {
  requests: number;
  accepted: number;
  /** code (Bitunix code, or `http<status>` for transport-level answers) -> count */
  rejected: Record<string, number>;
}

export interface BitunixSimStats {
  startedAt: number;
  uptimeMs: number;
  rest: {
    requests: number;
    accepted: number;
    rejected: Record<string, number>;
    byEndpoint: Record<string, EndpointStats>;
    authRejected: Record<string, number>;
    /** Answers held back by a `latency` fault (each one a timeout for a client whose limit is shorter). */
    delayed: number;
  };
  /** `open`: orders open now; `openPeak`: the most that were ever open at once. */
  orders: OrderCounters & { open: number; openPeak: number };
  ws: {
    opened: Record<WsPath, number>;
    closed: Record<WsPath, number>;
    open: Record<WsPath, number>;
    /** who closed -> close code -> count; a server-side abrupt close (terminate/destroy) is 1006 */
    closedBy: { server: Record<string, number>; client: Record<string, number> };
    serverCloseReasons: Record<string, number>;
    subscriptionsRefused: number;
    slowConsumerDrops: number;
  };
  logins: { ok: number; rejected: number; rejectedByReason: Record<string, number> };
  pushes: Record<string, number>;
  faults: { total: number; byKind: Record<string, number> };
}

function bump(record: Record<string, number>, key: string, by = 1): void {
  record[key] = (record[key] ?? 0) + by;
}

export class StatsRecorder {
  readonly startedAt = Date.now();
  private readonly rest: BitunixSimStats['rest'] = { requests: 0, accepted: 0, rejected: {}, byEndpoint: {}, authRejected: {}, delayed: 0 };
  private readonly ws: BitunixSimStats['ws'] = {
    opened: { public: 0, private: 0 },
    closed: { public: 0, private: 0 },
    open: { public: 0, private: 0 },
    closedBy: { server: {}, client: {} },
    serverCloseReasons: {},
    subscriptionsRefused: 0,
    slowConsumerDrops: 0,
  };
  private readonly logins: BitunixSimStats['logins'] = { ok: 0, rejected: 0, rejectedByReason: {} };
  private readonly pushes: Record<string, number> = {};

  request(endpoint: string): void {
    this.rest.requests++;
    this.endpoint(endpoint).requests++;
  }

  accepted(endpoint: string): void {
    this.rest.accepted++;
    this.endpoint(endpoint).accepted++;
  }

  rejected(endpoint: string, code: number | string): void {
    bump(this.rest.rejected, String(code));
    bump(this.endpoint(endpoint).rejected, String(code));
  }

  delayed(): void {
    this.rest.delayed++;
  }

  authRejected(reason: string): void {
    bump(this.rest.authRejected, reason);
  }

  wsOpened(path: WsPath): void {
    this.ws.opened[path]++;
    this.ws.open[path]++;
  }

  wsClosed(path: WsPath, by: 'server' | 'client', code: number, reason: CloseReason): void {
    this.ws.closed[path]++;
    this.ws.open[path]--;
    bump(this.ws.closedBy[by], String(code));
    if (by === 'server') bump(this.ws.serverCloseReasons, reason);
  }

  subscriptionRefused(): void {
    this.ws.subscriptionsRefused++;
  }

  slowConsumerDrop(): void {
    this.ws.slowConsumerDrops++;
  }

  login(okay: boolean, reason?: string): void {
    if (okay) this.logins.ok++;
    else {
      this.logins.rejected++;
      bump(this.logins.rejectedByReason, reason ?? 'unknown');
    }
  }

  pushed(channel: string): void {
    bump(this.pushes, channel);
  }

  snapshot(orders: OrderCounters & { open: number; openPeak: number }, faultLog: readonly { kind: string }[]): BitunixSimStats {
    const byKind: Record<string, number> = {};
    for (const record of faultLog) bump(byKind, record.kind);
    // A deep copy: callers (and JSON over HTTP) must never alias the live counters.
    return structuredClone({
      startedAt: this.startedAt,
      uptimeMs: Date.now() - this.startedAt,
      rest: this.rest,
      orders,
      ws: this.ws,
      logins: this.logins,
      pushes: this.pushes,
      faults: { total: faultLog.length, byKind },
    });
  }

  private endpoint(endpoint: string): EndpointStats {
    let entry = this.rest.byEndpoint[endpoint];
    if (!entry) {
      entry = { requests: 0, accepted: 0, rejected: {} };
      this.rest.byEndpoint[endpoint] = entry;
    }
    return entry;
  }
}
