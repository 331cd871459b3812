// Known secrets never reach a results file, heap snapshots included: a worker that signs
// requests holds its API key (and transiently strings derived from the secret) in its heap, and
// results folders are uploaded as CI artifacts. Every occurrence is overwritten with `*` of the
// same length as the snapshot streams to disk, so the file stays valid JSON with the same offsets.
import { Transform, type TransformCallback } from 'node:stream';

/** Env names whose values are credentials. */
const SECRET_ENV = /(^|_)(API_?KEY|API_?SECRET|SECRET|TOKEN|PASSWORD|PASSPHRASE)$/i;
/** Shorter values would match innocent text (and are not real credentials). */
const MIN_SECRET_LENGTH = 6;

/** Credential values from the environment (BITUNIX_API_KEY, BITUNIX_API_SECRET, …) plus any extra ones. */
export function knownSecrets(env: NodeJS.ProcessEnv = process.env, extra: (string | undefined)[] = []): string[] {
  const values = Object.entries(env)
    .filter(([name, value]) => SECRET_ENV.test(name) && typeof value === 'string')
    .map(([, value]) => value!.trim());
  return [...new Set([...values, ...extra.map((v) => v?.trim())])].filter((v): v is string => typeof v === 'string' && v.length >= MIN_SECRET_LENGTH);
}

/** A stream that masks every occurrence of `secrets`, also across chunk boundaries. */
export class SecretScrubber extends Transform {
  private readonly needles: Buffer[];
  private readonly keep: number;
  private tail = Buffer.alloc(0);
  /** How many occurrences were masked. */
  hits = 0;

  constructor(secrets: string[]) {
    super();
    this.needles = secrets.filter((s) => s.length > 0).map((s) => Buffer.from(s, 'utf8'));
    this.keep = Math.max(0, ...this.needles.map((n) => n.length - 1));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.needles.length === 0) return done(null, chunk);
    const buf = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : chunk;
    this.mask(buf);
    // Hold back what could be the start of a secret split over the next chunk.
    const cut = Math.max(0, buf.length - this.keep);
    this.tail = Buffer.from(buf.subarray(cut));
    done(null, buf.subarray(0, cut));
  }

  override _flush(done: TransformCallback): void {
    this.mask(this.tail);
    done(null, this.tail);
  }

  private mask(buf: Buffer): void {
    this.hits += maskSecrets(buf, this.needles);
  }
}

/** Overwrites every occurrence of `needles` in `buf` with `*`; returns how many there were. */
export function maskSecrets(buf: Buffer, needles: Buffer[]): number {
  let hits = 0;
  for (const needle of needles) {
    for (let at = buf.indexOf(needle); at >= 0; at = buf.indexOf(needle, at + needle.length)) {
      buf.fill(0x2a, at, at + needle.length);
      hits++;
    }
  }
  return hits;
}
