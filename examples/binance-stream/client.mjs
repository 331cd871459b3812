// A small Binance market-stream client written with plain `ws` — the kind of client a trading
// team already owns (it is not exsoak's). Combined-stream connection, reconnect with a fixed
// delay, and a cache of recent trades for de-duplication after a reconnect.
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';

export class BinanceStream extends EventEmitter {
  /**
   * @param {{ url: string, symbols: string[], streams?: string[], reconnectDelayMs?: number, cacheSize?: number, trimCache?: boolean }} opts
   */
  constructor(opts) {
    super();
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    this.opts = { streams: ['trade'], reconnectDelayMs: 1000, cacheSize: 1000, trimCache: true, ...given };
    /** Recent trades by id, to drop the duplicates a reconnect replays. */
    this.recent = new Map();
    this.closing = false;
    this.ws = undefined;
    this.timer = undefined;
  }

  start() {
    const names = this.opts.symbols.flatMap((s) => this.opts.streams.map((st) => `${s.toLowerCase()}@${st}`));
    const ws = new WebSocket(`${this.opts.url}/stream?streams=${names.join('/')}`);
    this.ws = ws;
    ws.on('message', (raw) => this.onMessage(raw));
    ws.on('error', (err) => this.emit('error', err));
    ws.on('close', (code) => {
      this.emit('close', { planned: this.closing, code });
      if (!this.closing) this.timer = setTimeout(() => this.start(), this.opts.reconnectDelayMs);
    });
  }

  onMessage(raw) {
    const msg = JSON.parse(raw.toString());
    const data = msg.data ?? msg;
    const id = `${msg.stream}:${data.t ?? data.u ?? data.E}`;
    if (this.recent.has(id)) return;
    this.recent.set(id, data);
    // The trim that (b) forgets: without it every message stays in the cache for ever.
    if (this.opts.trimCache && this.recent.size > this.opts.cacheSize) this.recent.delete(this.recent.keys().next().value);
    this.emit('message', msg.stream, data);
  }

  async close() {
    this.closing = true;
    clearTimeout(this.timer);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise((resolve) => {
      ws.once('close', resolve);
      ws.close();
    });
  }
}
