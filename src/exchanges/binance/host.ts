// What a connection needs from the client that owns it. Connections share the client's counters,
// request ids and connect limiter, and report through its events.
import type { EventEmitter } from 'eventemitter3';
import type { ConnectLimiter } from './backoff.ts';
import type { MarketEvent } from './payloads.ts';
import type { StreamState } from './sequence.ts';
import type { BinanceClientEvents, ClientErrorKind, HostCounts, ResolvedOptions } from './types.ts';


export interface ConnectionHost {
  readonly options: ResolvedOptions;
  readonly limiter: ConnectLimiter;
  readonly counts: HostCounts;
  emit: EventEmitter<BinanceClientEvents>['emit'];
  nextId(): number;
  deliver(st: StreamState, data: MarketEvent): void;
  malformed(kind: string, sample: string, connection: string, stream?: string): void;
  gap(connection: string, st: StreamState): void;
  error(kind: ClientErrorKind, message: string, connection?: string, code?: number, fatal?: boolean): void;
}
