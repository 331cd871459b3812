#!/usr/bin/env node
// Plain JavaScript on purpose: it must run on any Node to say clearly which Node exsoak needs,
// before anything written in TypeScript is loaded.
import { existsSync, writeSync } from 'node:fs';

const [major, minor] = process.versions.node.split('.').map(Number);
// Installed, exsoak is compiled JavaScript (22.16: worker.getHeapStatistics()); the repository's
// TypeScript sources need type stripping without a flag (22.18).
const sources = new URL('../src/cli/main.ts', import.meta.url);
// Sources under node_modules (a linked or file: install) cannot be type-stripped: use dist/ there.
const fromSources = existsSync(sources) && !import.meta.url.includes('/node_modules/');
const [needMajor, needMinor] = fromSources ? [22, 18] : [22, 16];
if (major < needMajor || (major === needMajor && minor < needMinor)) {
  process.stderr.write(
    `exsoak: needs Node >= ${needMajor}.${needMinor} (found ${process.version}).\n` +
      (fromSources
        ? `Run it through npm (npm start, npm run exsoak -- ..., npx exsoak ...): the project's dev ` +
          `dependency "node" brings Node 24 after npm ci.\n`
        : `Install a newer Node, or add one to the project: npm i -D node@24 (npx then runs exsoak with it).\n`),
  );
  process.exit(2);
}
// Signals during the load are kept for the command (src/shared/early-signals.ts), not fatal.
{
  const signals = [];
  const keep = (signal) => signals.push(signal);
  process.on('SIGINT', keep);
  process.on('SIGTERM', keep);
  const release = () => {
    process.off('SIGINT', keep);
    process.off('SIGTERM', keep);
  };
  globalThis[Symbol.for('exsoak.earlySignals')] = { signals, release };
  // For tests that signal a loading exsoak: the moment its own handlers are in place, which no
  // kernel view tells apart from Node's start-up handlers for the same signals.
  const readyFd = Number(process.env.EXSOAK_SIGNALS_READY_FD);
  delete process.env.EXSOAK_SIGNALS_READY_FD;
  if (Number.isInteger(readyFd) && readyFd > 2) {
    try {
      writeSync(readyFd, 'ready\n');
    } catch {
      // A test hook only: nobody listening is not an error.
    }
  }
}
// A closed stdout or stderr (`exsoak run … 2>&1 | head -1`, a terminal gone) must not lose the
// run (#26.6): a write to it fails with EPIPE, emitted as an 'error' that would otherwise end the
// process at the first log line, before verdict.json. The files and the exit code still come.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
// `exsoak run` execs into this same command line with its resolved plan (src/cli/handoff.ts): this
// image supervises the run without loading the command-line parser or the scenario's schemas.
const plan = process.env.EXSOAK_RUN_PLAN;
delete process.env.EXSOAK_RUN_PLAN;
// The repository runs its sources; an installed package (no src/ in it) its compiled dist/.
// From sources, the TypeScript is stripped once into a cache (no type stripper in the process);
// EXSOAK_PLAIN_TS=1 loads the .ts files as they are (for `node --test` children or a debugger).
const entry = plan ? new URL('../src/cli/supervise.ts', import.meta.url) : sources;
if (fromSources && !process.env.EXSOAK_PLAIN_TS) (await import('./strip-cache.mjs')).serveStripped(entry.href);
if (plan) {
  const { superviseFromFile } = await import(fromSources ? entry.href : new URL('../dist/src/cli/supervise.js', import.meta.url).href);
  await superviseFromFile(plan);
} else {
  const { main } = await import(fromSources ? entry.href : new URL('../dist/src/cli/main.js', import.meta.url).href);
  await main(process.argv.slice(2));
}
