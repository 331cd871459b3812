// The supervisor's side of the Python agent (agents/python/exsoak_agent.py): a Unix socket in a
// fresh 0700 folder that only the probe's program is told about (by environment), one JSON
// object per line each way. exsoak listens and the agent connects, so "the agent never came" is
// something exsoak can see and put in the verdict.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { packageFile } from '../shared/module-file.ts';

/** The folder put first on PYTHONPATH: its sitecustomize.py loads the agent. */
const AGENT_DIR = packageFile('agents/python');

/**
 * Traceback depth tracemalloc records by default. tracemalloc's cost per allocation grows with the
 * frames it records (`npm run bench -- --suite python`: a client parsing 2,000 JSON messages/s
 * went from 1.3 % of a core untraced to 8.1 % at depth 1 and 29.7 % at depth 8), so the default
 * is the cheapest: one frame, the innermost Python line of each allocation. That is the user's
 * own line for what their code builds or inserts, a library's for what a library builds (objects
 * json.loads makes); the holder census names the user's container either way, and a site that
 * ends in a library says `python: { depth: 8 }` shows the caller.
 */
export const DEFAULT_PYTHON_DEPTH = 1;

/** What the agent says first: which Python it runs in, or why it cannot run there. */
export interface AgentHello {
  pid: number;
  python?: string;
  depth?: number;
  unsupported?: string;
}

export interface AgentReply {
  ok: boolean;
  error?: string;
  /** Wall time of the request inside the agent. */
  ms: number;
  /** The longest single GIL-holding call (gc.collect, take_snapshot, a heap scan): the program's pause. */
  pauseMs: number;
  [key: string]: unknown;
}

export type AgentOp = 'usage' | 'floor' | 'snapshot' | 'diff' | 'holders';

interface Pending {
  resolve: (reply: AgentReply) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class PythonAgentChannel {
  /** The socket the agent connects to (given to the program as EXSOAK_PY_AGENT). */
  readonly socketPath: string;
  hello?: AgentHello;
  private readonly dir: string;
  private readonly server: net.Server;
  private conn?: net.Socket;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly helloWaiters: ((hello: AgentHello | undefined) => void)[] = [];
  private closedError?: Error;

  private constructor(dir: string, server: net.Server) {
    this.dir = dir;
    this.socketPath = path.join(dir, 'agent.sock');
    this.server = server;
    server.on('connection', (socket) => this.onConnection(socket));
  }

  /**
   * A listening channel in a new 0700 folder (mkdtemp): no other user can reach the socket. A
   * Unix socket is bound and listening when listen() returns, so the child can be started at once.
   */
  static open(): PythonAgentChannel {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'exsoak-py-'));
    const channel = new PythonAgentChannel(dir, net.createServer());
    // A bind error (a full /tmp) would come as an event: the agent then never connects, which the
    // runtime reports as the missing Python view.
    channel.server.on('error', () => {});
    channel.server.listen(channel.socketPath);
    channel.server.unref();
    return channel;
  }

  /** open(), once it listens. */
  static async listen(): Promise<PythonAgentChannel> {
    const channel = PythonAgentChannel.open();
    if (!channel.server.listening) await new Promise((resolve) => channel.server.once('listening', resolve));
    return channel;
  }

  /**
   * The child's environment for the agent: PYTHONPATH with the agent first (the user's own kept
   * after it, and restored by the agent for anything the program starts), the socket, the depth.
   */
  env(base: NodeJS.ProcessEnv, depth = DEFAULT_PYTHON_DEPTH): Record<string, string> {
    const original = base.PYTHONPATH ?? '';
    return {
      PYTHONPATH: original ? `${AGENT_DIR}${path.delimiter}${original}` : AGENT_DIR,
      EXSOAK_PY_PYTHONPATH: original,
      EXSOAK_PY_AGENT: this.socketPath,
      EXSOAK_PY_DEPTH: String(depth),
    };
  }

  /** Why the connection ended, once it has. */
  get closeReason(): string | undefined {
    return this.closedError?.message;
  }

  get connected(): boolean {
    return this.conn !== undefined && !this.conn.destroyed && this.hello?.unsupported === undefined;
  }

  private onConnection(socket: net.Socket): void {
    // Only the first program to say hello is the probe's: a second interpreter that somehow got
    // the socket (a wrapper, a re-exec) is turned away rather than mixed in.
    if (this.conn) {
      socket.destroy();
      return;
    }
    this.conn = socket;
    socket.unref();
    let rest = '';
    socket.on('data', (chunk) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop()!;
      // A reply is a few KB; a runaway line is not buffered without bound.
      if (rest.length > 4 * 1024 * 1024) rest = '';
      for (const line of lines) this.onLine(line);
    });
    socket.on('close', () => this.fail(new Error('the Python agent disconnected')));
    socket.on('error', (err) => this.fail(err));
  }

  private onLine(line: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (message.hello && typeof message.hello === 'object') {
      this.hello = message.hello as AgentHello;
      for (const waiter of this.helloWaiters.splice(0)) waiter(this.hello);
      return;
    }
    const pending = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
    if (!pending) return;
    this.pending.delete(message.id as number);
    clearTimeout(pending.timer);
    pending.resolve(message as unknown as AgentReply);
  }

  private fail(err: Error): void {
    this.closedError ??= err;
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(err);
      this.pending.delete(id);
    }
    for (const waiter of this.helloWaiters.splice(0)) waiter(undefined);
  }

  /** The agent's hello, or undefined if none came within `timeoutMs` (or the channel closed). */
  waitHello(timeoutMs: number): Promise<AgentHello | undefined> {
    if (this.hello) return Promise.resolve(this.hello);
    if (this.closedError) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      timer.unref();
      this.helloWaiters.push((hello) => {
        clearTimeout(timer);
        resolve(hello);
      });
    });
  }

  /** One request; rejects on timeout, on a closed channel, or when the agent answers with an error. */
  async request(op: AgentOp, timeoutMs = 5_000, extra: Record<string, unknown> = {}): Promise<AgentReply> {
    const conn = this.conn;
    if (!conn || conn.destroyed || this.closedError) throw this.closedError ?? new Error('the Python agent is not connected');
    const id = this.nextId++;
    const reply = await new Promise<AgentReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`Python agent: ${op} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      conn.write(JSON.stringify({ id, op, ...extra }) + '\n');
    });
    if (!reply.ok) throw new Error(`Python agent: ${op}: ${reply.error ?? 'failed'}`);
    return reply;
  }

  close(): void {
    this.fail(new Error('the Python agent channel was closed'));
    this.conn?.destroy();
    this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
