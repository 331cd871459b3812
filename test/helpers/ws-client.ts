// A raw WebSocket client for the simulator tests: keeps every frame (with when it came), the
// pings, how the connection closed and any TCP-level error, and waits for facts with a deadline.
import WebSocket from 'ws';
import { waitFor } from './wait.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = any;

export class RawWsClient {
  readonly ws: WebSocket;
  /** Every frame's text, in order; `frameAt[i]` is when frame i arrived. */
  readonly frames: string[] = [];
  readonly frameAt: number[] = [];
  /** Ping payloads received (ws answers them itself unless `autoPong: false`), and when. */
  readonly pings: string[] = [];
  readonly pingAt: number[] = [];
  readonly pongAt: number[] = [];
  readonly openedAt = Date.now();
  closed: { code: number; reason: string; at: number } | undefined;
  /** Error seen on the TCP socket itself (ws does not surface ECONNRESET). */
  socketError: NodeJS.ErrnoException | undefined;
  private cursor = 0;

  private constructor(url: string, opts: WebSocket.ClientOptions) {
    this.ws = new WebSocket(url, { maxPayload: 16 * 1024 * 1024, ...opts });
    this.ws.on('message', (data) => {
      this.frames.push(data.toString());
      this.frameAt.push(Date.now());
    });
    this.ws.on('ping', (payload) => {
      this.pings.push(payload.toString());
      this.pingAt.push(Date.now());
    });
    this.ws.on('pong', () => this.pongAt.push(Date.now()));
    this.ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString(), at: Date.now() }));
    this.ws.on('error', () => {});
    this.ws.on('upgrade', (res) => res.socket.on('error', (err: NodeJS.ErrnoException) => (this.socketError = err)));
  }

  static async open(url: string, opts: WebSocket.ClientOptions = {}): Promise<RawWsClient> {
    const client = new RawWsClient(url, opts);
    await new Promise((resolve, reject) => {
      client.ws.once('open', resolve);
      client.ws.once('error', reject);
    });
    return client;
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  /** Frames with their arrival times. */
  timed(): { raw: string; at: number }[] {
    return this.frames.map((raw, i) => ({ raw, at: this.frameAt[i]! }));
  }

  /** Every frame that parses as JSON (fault frames that do not are skipped). */
  json(): Msg[] {
    const out: Msg[] = [];
    for (const raw of this.frames) {
      try {
        out.push(JSON.parse(raw));
      } catch {
        // a fault frame
      }
    }
    return out;
  }

  /** Every frame parsed; throws on one that is not JSON. */
  parsed(): Msg[] {
    return this.frames.map((raw) => JSON.parse(raw));
  }

  /** Stream data (not control replies), unwrapped from nothing: raw or combined as sent. */
  data(stream?: string): Msg[] {
    return this.json().filter((m) => m && !('result' in m) && !('error' in m) && (!stream || m.stream === stream));
  }

  /** Trade events, unwrapped from the combined wrapper. */
  trades(): Msg[] {
    return this.json()
      .map((m) => m.data ?? m)
      .filter((m) => m.e === 'trade');
  }

  /** Frames that are not JSON (malformed and truncated faults). */
  invalid(): string[] {
    return this.frames.filter((raw) => {
      try {
        JSON.parse(raw);
        return false;
      } catch {
        return true;
      }
    });
  }

  /** The next frame after the cursor that satisfies `pred`; the cursor moves past it. */
  async next(pred: (msg: Msg, raw: string) => boolean = () => true, what = 'a message', timeoutMs = 3000): Promise<Msg> {
    return waitFor(
      () => {
        for (let i = this.cursor; i < this.frames.length; i++) {
          const raw = this.frames[i]!;
          let msg: Msg;
          try {
            msg = JSON.parse(raw);
          } catch {
            continue;
          }
          if (pred(msg, raw)) {
            this.cursor = i + 1;
            return { msg };
          }
        }
        return undefined;
      },
      { timeoutMs, what },
    ).then((found) => found.msg);
  }

  /** Sends a control frame and returns the raw reply with that id. */
  async request(frame: Record<string, unknown> | string, idText: string): Promise<string> {
    this.send(frame);
    const start = this.frames.length;
    return waitFor(
      () => this.frames.slice(start).find((raw) => raw.endsWith(`"id":${idText}}`) && /^\{"(result|error)"/.test(raw)),
      { what: `reply with id ${idText}`, timeoutMs: 3000 },
    );
  }

  close(): void {
    this.ws.terminate();
  }
}
