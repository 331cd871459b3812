// A minimal Chrome DevTools Protocol client for a Node child started with
// `--inspect=127.0.0.1:0`: reads its V8 heap, forces a GC for the post-GC floor and streams heap
// snapshots to a file. One WebSocket, request/response by id, events by method.
import { closeSync, open, writeSync } from 'node:fs';
// ws (with the https/TLS/zlib it requires, ~10 MB of RSS) is loaded by the first connection:
// only `node: true` process probes have an inspector to talk to.
import type WebSocket from 'ws';

/** What Node prints on stderr when its inspector listens. */
const LISTENING = /Debugger listening on (ws:\/\/\S+)/;

/** The inspector's WebSocket URL from a stderr line, if the line announces it. */
export function inspectorUrlFromLine(line: string): string | undefined {
  return LISTENING.exec(line)?.[1];
}

interface Pending {
  resolve: (value: Record<string, unknown>) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export interface HeapUsage {
  used: number;
  total: number;
}

export class InspectorClient {
  private readonly ws: WebSocket;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, (params: Record<string, unknown>) => void>();
  private closedError?: Error;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => this.onMessage(String(data)));
    ws.on('close', () => this.fail(new Error('the inspector connection closed')));
    ws.on('error', (err) => this.fail(err));
  }

  /** Connects to `ws://127.0.0.1:PORT/UUID`; only loopback addresses are accepted. */
  static async connect(url: string, timeoutMs = 5_000): Promise<InspectorClient> {
    const host = new URL(url).hostname;
    if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') throw new Error(`inspector at ${url}: only a loopback inspector is used`);
    const { default: WebSocketClient } = await import('ws');
    const ws = new WebSocketClient(url, { handshakeTimeout: timeoutMs, perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', (err) => reject(new Error(`inspector at ${url}: ${err.message}`)));
    });
    return new InspectorClient(ws);
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  private onMessage(text: string): void {
    let message: { id?: number; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { message: string } };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.id !== undefined) {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      clearTimeout(pending.timer);
      if (message.error) pending.reject(new Error(`inspector: ${message.error.message}`));
      else pending.resolve(message.result ?? {});
    } else if (message.method) {
      this.listeners.get(message.method)?.(message.params ?? {});
    }
  }

  private fail(err: Error): void {
    this.closedError ??= err;
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(err);
      this.pending.delete(id);
    }
  }

  send(method: string, params: Record<string, unknown> = {}, timeoutMs = 5_000): Promise<Record<string, unknown>> {
    if (this.closedError || !this.open) return Promise.reject(this.closedError ?? new Error('the inspector connection is not open'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`inspector: ${method} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async heapUsage(timeoutMs = 5_000): Promise<HeapUsage> {
    const result = await this.send('Runtime.getHeapUsage', {}, timeoutMs);
    return { used: Number(result.usedSize), total: Number(result.totalSize) };
  }

  /** Forces a full GC in the child and returns what survived: the heap floor. */
  async heapFloor(timeoutMs = 5_000): Promise<HeapUsage> {
    await this.send('HeapProfiler.collectGarbage', {}, timeoutMs);
    return this.heapUsage(timeoutMs);
  }

  /**
   * A heap snapshot of the child into `file` (created 0600, never overwritten). The child writes
   * it itself (v8.writeHeapSnapshot, through Runtime.evaluate): streamed through the inspector,
   * an 80 MB snapshot is ~160 MB of escaped JSON passing through this process's allocator, and
   * 25–65 MB of the supervisor's RSS stayed after it (#23 4b). A child without
   * process.getBuiltinModule (Node < 20.16) streams it as before.
   */
  async takeHeapSnapshot(file: string, timeoutMs = 120_000): Promise<void> {
    const fd = await new Promise<number>((resolve, reject) => open(file, 'wx', 0o600, (err, fd) => (err ? reject(err) : resolve(fd))));
    try {
      if (await this.snapshotInChild(file, timeoutMs)) return;
      await this.streamSnapshot(fd, file, timeoutMs);
    } finally {
      closeSync(fd);
    }
  }

  /** True when the child wrote the snapshot itself; false when it cannot (then nothing was written). */
  private async snapshotInChild(file: string, timeoutMs: number): Promise<boolean> {
    // The file exists (0600): the child truncates it, which keeps its mode.
    const expression = `(() => { const m = typeof process === 'object' && process.getBuiltinModule?.('node:v8'); if (!m) return false; m.writeHeapSnapshot(${JSON.stringify(file)}); return true; })()`;
    const answer = await this.send('Runtime.evaluate', { expression, returnByValue: true, includeCommandLineAPI: false, silent: true }, timeoutMs);
    const details = answer.exceptionDetails as { exception?: { description?: string }; text?: string } | undefined;
    if (details) throw new Error(`heap snapshot ${file}: ${details.exception?.description ?? details.text ?? 'the child threw'}`);
    return (answer.result as { value?: unknown } | undefined)?.value === true;
  }

  /**
   * V8 sends the snapshot as chunk events before it answers the command, so the file is complete
   * when this resolves. Each chunk is written as it arrives: the inspector has no backpressure.
   */
  private async streamSnapshot(fd: number, file: string, timeoutMs: number): Promise<void> {
    let writeError: Error | undefined;
    this.listeners.set('HeapProfiler.addHeapSnapshotChunk', (params) => {
      if (writeError) return;
      try {
        writeSync(fd, String(params.chunk));
      } catch (err) {
        writeError = err as Error;
      }
    });
    try {
      await this.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false, captureNumericValue: false }, timeoutMs);
    } finally {
      this.listeners.delete('HeapProfiler.addHeapSnapshotChunk');
    }
    if (writeError) throw new Error(`heap snapshot ${file}: ${writeError.message}`);
  }

  close(): void {
    this.fail(new Error('the inspector connection was closed'));
    this.ws.terminate();
  }
}
