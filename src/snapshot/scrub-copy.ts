// A snapshot file copied with its secrets masked through one reused buffer. A stream pipeline
// allocates a fresh 64 KB buffer per chunk, freed only when V8 next collects: for an 80 MB
// snapshot that was up to ~64 MB of buffers alive at once, and ~40 MB of the supervisor's RSS
// stayed after them (the allocator keeps what it does not hand back). Measured in
// test/integration/snapshot-cost.test.ts.
import { open } from 'node:fs/promises';
import { maskBytes } from '../shared/secret-stream.ts';

const CHUNK = 1024 * 1024;

/** Copies `from` into `to` (created 0600, never overwritten), every secret masked, even across chunks. */
export async function copyScrubbed(from: string, to: string, secrets: readonly string[]): Promise<void> {
  const needles = secrets.filter((s) => s.length > 0).map((s) => Buffer.from(s, 'utf8'));
  // Held back at the end of each chunk: the start of a secret the next chunk completes.
  const keep = Math.max(0, ...needles.map((n) => n.length - 1));
  const buf = Buffer.allocUnsafe(CHUNK + keep);
  const input = await open(from, 'r');
  try {
    const output = await open(to, 'wx', 0o600);
    try {
      let carried = 0;
      for (;;) {
        const { bytesRead } = await input.read(buf, carried, CHUNK, null);
        const filled = carried + bytesRead;
        maskBytes(buf.subarray(0, filled), needles);
        const ready = bytesRead === 0 ? filled : Math.max(0, filled - keep);
        if (ready > 0) await output.write(buf, 0, ready);
        if (bytesRead === 0) break;
        buf.copyWithin(0, ready, filled);
        carried = filled - ready;
      }
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}
