// A process probe's stdout and stderr go to `<probe>.stdout.log` / `.stderr.log`, each bounded:
// a chatty or runaway program must not fill the disk or grow the supervisor.
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';

/** A log file that stops growing at `limit` bytes and says so. */
export class BoundedLog {
  private readonly out: WriteStream;
  private written = 0;
  private full = false;
  private readonly limit: number;

  constructor(file: string, limit: number) {
    this.limit = limit;
    this.out = createWriteStream(file, { flags: 'a', mode: 0o600 });
    this.out.on('error', () => {
      // A full disk must not crash the supervisor over a child's log; the run's own writer reports it.
      this.full = true;
    });
  }

  write(chunk: Buffer): void {
    if (this.full) return;
    const room = this.limit - this.written;
    if (chunk.length <= room) {
      this.out.write(chunk);
      this.written += chunk.length;
      return;
    }
    if (room > 0) this.out.write(chunk.subarray(0, room));
    this.out.write(`\n[exsoak: output truncated at ${this.limit} bytes; the rest was discarded]\n`);
    this.written = this.limit;
    this.full = true;
  }

  async close(): Promise<void> {
    if (this.out.closed) return;
    this.out.end();
    await once(this.out, 'close').catch(() => {});
  }
}

/** A longer output line is cut: one runaway line must not grow the supervisor. */
export const MAX_LINE = 64 * 1024;

/** Splits a byte stream into lines, each cut at MAX_LINE. */
export function lineSplitter(onLine: (line: string) => void): (chunk: Buffer) => void {
  let rest = '';
  return (chunk) => {
    const text = rest + chunk.toString('utf8');
    const lines = text.split('\n');
    rest = lines.pop()!;
    if (rest.length > MAX_LINE) rest = rest.slice(0, MAX_LINE);
    for (const line of lines) onLine((line.endsWith('\r') ? line.slice(0, -1) : line).slice(0, MAX_LINE));
  };
}
