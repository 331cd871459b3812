import { stripControl } from '../shared/text.ts';
import { maskSecrets } from '../shared/secrets.ts';

/** A problem with what the user asked for: exit 2 with this message, nothing started. */
export class UsageError extends Error {}

export const EXIT = { pass: 0, fail: 1, usage: 2, internal: 3, interrupted: 130 } as const;

/**
 * How a command that threw ends: a usage problem (`usage`, or a UsageError) is exit 2 with its
 * message; anything else is an internal error, exit 3 at once.
 */
export function reportFailure(err: unknown, usage = false): void {
  if (usage || err instanceof UsageError) {
    process.stderr.write(`exsoak: ${maskSecrets(stripControl((err as Error).message))}\n(see exsoak --help)\n`);
    process.exitCode = EXIT.usage;
    return;
  }
  process.stderr.write(`exsoak: internal error: ${maskSecrets(stripControl(String((err as Error).stack ?? err)))}\n`);
  // Whatever the failed command left running (worker threads, timers, sockets) would keep the
  // process alive with no verdict; simulators follow through their IPC channel (sim.ts).
  process.exit(EXIT.internal);
}
