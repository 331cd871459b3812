// The listening socket: one HTTP server carrying REST and both WebSocket paths, bound to loopback
// by default. It can go away and come back on the same port (the `restart` fault) and closes every
// socket it ever accepted when asked to.
import type { Server } from 'node:http';
import { http } from '../../shared/builtins.ts';
import type { Socket } from 'node:net';
import type { RestApi } from './rest.ts';
import type { WsHub } from './ws.ts';

export class SimServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private relistenTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private boundPort = 0;
  private readonly host: string;
  private readonly rest: RestApi;
  private readonly hub: WsHub;

  constructor(host: string, rest: RestApi, hub: WsHub) {
    this.host = host;
    this.rest = rest;
    this.hub = hub;
  }

  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  async listen(port: number): Promise<number> {
    const server = http.createServer((req, res) => this.rest.handle(req, res));
    server.keepAliveTimeout = 5_000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('upgrade', (req, socket, head) => this.hub.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address();
    this.boundPort = typeof address === 'object' && address ? address.port : port;
    return this.boundPort;
  }

  /** Stops listening and cuts every connection; comes back on the same port after `downMs`. */
  restart(downMs: number, code: number, onError: (err: Error) => void): void {
    void this.stopListening('restart', code).then(() => {
      if (this.closed) return;
      this.relistenTimer = setTimeout(() => {
        this.relistenTimer = undefined;
        if (this.closed) return;
        this.listen(this.boundPort).catch(onError);
      }, downMs);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.relistenTimer);
    this.relistenTimer = undefined;
    await this.stopListening('shutdown');
  }

  private async stopListening(reason: 'restart' | 'shutdown', code = 1006): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const wsGone = this.hub.closeAll(reason, code);
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
    if (code !== 1006) {
      // Give clients a moment to answer a real close frame before the sockets are cut.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([wsGone, new Promise<void>((resolve) => (timer = setTimeout(resolve, 1_000)))]);
      clearTimeout(timer);
    }
    // Upgraded sockets are no longer the HTTP server's: destroy whatever is left ourselves.
    for (const socket of this.sockets) socket.destroy();
    await wsGone;
  }
}
