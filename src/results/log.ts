// The run's log: pino NDJSON into log.ndjson, and a short human line per entry on stderr.
// Credentials are redacted at the source, whatever path they arrive by: fields with a secret
// name (src/shared/secrets.ts) in every entry, and known secret values in every line written.
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { maskSecrets, redactSecretFields } from '../shared/secrets.ts';
import { stripControl, terminalLine } from '../shared/text.ts';
import { ResultsWriteError } from './files.ts';

/** Longest line of a log entry on the terminal. */
const TERMINAL_LINE = 1000;

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

function humanStream(out: NodeJS.WritableStream, color: boolean): Writable {
  const paint = (code: number, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of maskSecrets(chunk.toString('utf8')).split('\n')) {
        if (!line) continue;
        try {
          const entry = JSON.parse(line) as { time: number; level: number; msg: string; probe?: string; stderr?: boolean };
          // Entries the terminal shows in a form of its own (the periodic report's block).
          if (entry.stderr === false) continue;
          const time = new Date(entry.time).toISOString().slice(11, 19);
          const level = LEVEL_NAMES[entry.level] ?? String(entry.level);
          const colored = entry.level >= 50 ? paint(31, level) : entry.level >= 40 ? paint(33, level) : paint(2, level);
          // A probe's message may carry escapes of its own (only ours reach the terminal) and
          // megabyte lines (a crash's stderr tail): log.ndjson keeps them whole.
          const msg = String(entry.msg).split('\n').map((l) => terminalLine(l, TERMINAL_LINE)).join('\n');
          out.write(`${paint(2, time)} ${colored.padEnd(color ? 14 : 5)} ${entry.probe ? `[${stripControl(entry.probe)}] ` : ''}${msg}\n`);
        } catch {
          out.write(terminalLine(line, TERMINAL_LINE) + '\n');
        }
      }
      done();
    },
  });
}

export interface LogOptions {
  file?: string;
  /** Level for the human lines on stderr ('silent' to mute them). */
  stderrLevel?: string;
  /** Level for the file (default info: the probes' debug lines only with --log-level debug). */
  fileLevel?: string;
  color?: boolean;
  /**
   * The log file could not be written (a full disk): called once, later, never from inside a
   * log call. The log keeps going to stderr; without this a pino write threw ENOSPC inside
   * whichever bus handler logged, and the run hung with no verdict.
   */
  onWriteError?(err: Error): void;
}

/** pino's file destination, with write errors caught and reported once instead of thrown. */
function guardedFile(file: string, onError?: (err: Error) => void): pino.DestinationStream & { flushSync(): void } {
  const dest = pino.destination({ dest: file, sync: true, mkdir: true });
  let failed = false;
  const fail = (err: NodeJS.ErrnoException) => {
    if (failed) return;
    failed = true;
    setImmediate(() => onError?.(new ResultsWriteError(`${file}: write failed (${err.code ?? err.message})`)));
  };
  dest.on('error', fail);
  return {
    write(chunk: string) {
      if (failed) return;
      try {
        dest.write(maskSecrets(chunk));
      } catch (err) {
        fail(err as NodeJS.ErrnoException);
      }
    },
    flushSync() {
      if (failed) return;
      try {
        dest.flushSync();
      } catch (err) {
        fail(err as NodeJS.ErrnoException);
      }
    },
  };
}

export function createLogger(opts: LogOptions): Logger {
  const streams: pino.StreamEntry[] = [];
  if (opts.file) streams.push({ level: (opts.fileLevel ?? 'info') as pino.Level, stream: guardedFile(opts.file, opts.onWriteError) });
  if (opts.stderrLevel !== 'silent') {
    streams.push({ level: (opts.stderrLevel ?? 'info') as pino.Level, stream: humanStream(process.stderr, opts.color ?? false) });
  }
  return pino(
    { level: 'debug', formatters: { log: (entry) => redactSecretFields(entry) }, base: undefined },
    pino.multistream(streams),
  );
}
