import { EventEmitter } from 'node:events';
export declare class BinanceStream extends EventEmitter {
  constructor(opts: { url: string; symbols: string[]; streams?: string[]; reconnectDelayMs?: number; cacheSize?: number; trimCache?: boolean });
  readonly recent: Map<string, unknown>;
  start(): void;
  close(): Promise<void>;
}
