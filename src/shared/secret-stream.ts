// Known secrets masked in byte streams that go to disk as they arrive (a heap snapshot, a
// process probe's stdout/stderr): a secret can be split over two chunks, so the end of each
// chunk that could start one is held back until the next. Masking is in place, `*` for every
// byte, so a snapshot stays valid JSON with the same offsets.
import { closeSync, openSync, writeSync } from 'node:fs';
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { knownSecrets, maskSecrets } from './secrets.ts';

/** Masks `secrets` in a sequence of chunks; what it returns is safe to write. */
class ByteMasker {
  private readonly needles: Buffer[];
  private readonly keep: number;
  private tail = Buffer.alloc(0);
  /** How many occurrences were masked. */
  hits = 0;

  constructor(secrets: readonly string[] = knownSecrets().values) {
    this.needles = secrets.filter((s) => s.length > 0).map((s) => Buffer.from(s, 'utf8'));
    this.keep = Math.max(0, ...this.needles.map((n) => n.length - 1));
  }

  push(chunk: Buffer): Buffer {
    if (this.needles.length === 0) return chunk;
    const buf = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : Buffer.from(chunk);
    this.mask(buf);
    // Hold back what could be the start of a secret split over the next chunk.
    const cut = Math.max(0, buf.length - this.keep);
    this.tail = Buffer.from(buf.subarray(cut));
    return buf.subarray(0, cut);
  }

  flush(): Buffer {
    this.mask(this.tail);
    const rest = this.tail;
    this.tail = Buffer.alloc(0);
    return rest;
  }

  private mask(buf: Buffer): void {
    this.hits += maskBytes(buf, this.needles);
  }
}

/** Overwrites every occurrence of `needles` in `buf` with `*`, in place; returns how many there were. */
export function maskBytes(buf: Buffer, needles: readonly Buffer[]): number {
  let hits = 0;
  for (const needle of needles) {
    for (let at = buf.indexOf(needle); at >= 0; at = buf.indexOf(needle, at + needle.length)) {
      buf.fill(0x2a, at, at + needle.length);
      hits++;
    }
  }
  return hits;
}

/** A stream that masks every occurrence of `secrets`, also across chunk boundaries. */
export class SecretScrubber extends Transform {
  private readonly masker: ByteMasker;

  constructor(secrets: readonly string[] = knownSecrets().values) {
    super();
    this.masker = new ByteMasker(secrets);
  }

  /** How many occurrences were masked. */
  get hits(): number {
    return this.masker.hits;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    done(null, this.masker.push(chunk));
  }

  override _flush(done: TransformCallback): void {
    done(null, this.masker.flush());
  }
}

/**
 * An append-only file (created 0600) whose writes have the known secrets masked: a drop-in for
 * fs.createWriteStream where a probe's own output is kept. Writes are synchronous like the
 * results files' (src/results/files.ts); an open or write error is emitted as 'error'.
 */
export class MaskedFileStream extends Writable {
  private fd: number | undefined;
  private readonly masker: ByteMasker;

  constructor(file: string, secrets: readonly string[] = knownSecrets().values) {
    super();
    this.masker = new ByteMasker(secrets);
    try {
      this.fd = openSync(file, 'a', 0o600);
    } catch (err) {
      process.nextTick(() => this.destroy(err as Error));
    }
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    try {
      if (this.fd !== undefined) writeSync(this.fd, this.masker.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)));
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _final(done: (err?: Error | null) => void): void {
    try {
      if (this.fd !== undefined) writeSync(this.fd, this.masker.flush());
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // closing twice or a vanished fd: nothing left to lose
      }
      this.fd = undefined;
    }
    done(err);
  }
}

const guarded = new WeakSet<NodeJS.WriteStream>();

/**
 * Masks known secrets in whatever this process writes to its stdout and stderr, whoever writes:
 * a module probe's console.log goes from its worker thread straight into the supervisor's
 * process.stdout, past every logger. For the CLI's supervising process only: a library must not
 * patch its host's streams. Chunks are masked one by one (console.log writes a line at a time).
 */
export function maskProcessOutput(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    if (guarded.has(stream)) continue;
    guarded.add(stream);
    const original = stream.write;
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      let out = chunk;
      if (typeof chunk === 'string') out = maskSecrets(chunk);
      else if (chunk instanceof Uint8Array) {
        // Only a chunk that held a secret is re-encoded: the others pass as the bytes they were.
        const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
        const masked = maskSecrets(text);
        if (masked !== text) out = masked;
      }
      return (original as (...args: unknown[]) => boolean).call(this, out, ...rest);
    } as NodeJS.WriteStream['write'];
  }
}
