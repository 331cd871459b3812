// Reads an NDJSON file line by line in bounded memory: a 24 h run's samples file is far larger
// than one string should be. A kill -9 leaves at most a truncated last line; it is skipped and
// counted, not fatal, and so is any other unreadable line.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface NdjsonStats {
  lines: number;
  /** Lines that were not valid JSON objects (a truncated last line is the usual one). */
  skipped: number;
  /** Whether the file ended in the middle of a line. */
  truncatedTail: boolean;
}

export function forEachNdjson(file: string, onRecord: (record: Record<string, unknown>) => void, chunkBytes = 1 << 20): NdjsonStats {
  const stats: NdjsonStats = { lines: 0, skipped: 0, truncatedTail: false };
  const fd = openSync(file, 'r');
  // Only regular files: a device (a results file pointed at /dev/full or /dev/zero) never ends.
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    return stats;
  }
  const buffer = Buffer.allocUnsafe(chunkBytes);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  const take = (line: string) => {
    if (line.trim() === '') return;
    stats.lines++;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      stats.skipped++;
      return;
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      stats.skipped++;
      return;
    }
    onRecord(record as Record<string, unknown>);
  };
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, chunkBytes, null);
      if (n === 0) break;
      const text = rest + decoder.write(buffer.subarray(0, n));
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        take(text.slice(start, nl));
        start = nl + 1;
      }
      rest = text.slice(start);
    }
  } finally {
    closeSync(fd);
  }
  rest += decoder.end();
  if (rest.trim() !== '') {
    stats.truncatedTail = true;
    take(rest);
  }
  return stats;
}
