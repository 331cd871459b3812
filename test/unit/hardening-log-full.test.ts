import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createLogger } from '../../src/results/log.ts';
import { waitFor } from '../helpers/wait.ts';

test('#18.3 a full disk: a log write that fails is reported once, never thrown into the caller', { skip: !existsSync('/dev/full') && 'no /dev/full' }, async () => {
  const errors: Error[] = [];
  // Every write to /dev/full fails with ENOSPC. On main this threw out of log.info(), i.e. out
  // of whichever bus handler logged, and the run hung with no verdict.
  const log = createLogger({ file: '/dev/full', stderrLevel: 'silent', onWriteError: (err) => errors.push(err) });
  for (let i = 0; i < 50; i++) assert.doesNotThrow(() => log.info({ i }, 'a line that cannot be written'));
  assert.doesNotThrow(() => log.flush());
  await waitFor(() => errors.length > 0, { timeoutMs: 2000, what: 'the write error' });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /\/dev\/full: write failed \(ENOSPC\)/);
});
