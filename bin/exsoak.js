#!/usr/bin/env node
// Plain JavaScript on purpose: it must run on any Node to say clearly which Node exsoak needs,
// before anything written in TypeScript is loaded.
const [major, minor] = process.versions.node.split('.').map(Number);
// 22.18 is where Node runs TypeScript without a flag; worker.getHeapStatistics() needs 22.16.
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `exsoak: needs Node >= 22.18 (found ${process.version}).\n` +
      `Run it through npm (npm start, npm run exsoak -- ..., npx exsoak ...): the project's dev ` +
      `dependency "node" brings Node 24 after npm ci.\n`,
  );
  process.exit(2);
}
const mainUrl = new URL('../src/cli/main.ts', import.meta.url);
// Not for `node --test` children or a debugger session: EXSOAK_PLAIN_TS=1 loads the .ts files as they are.
if (!process.env.EXSOAK_PLAIN_TS) (await import('./strip-cache.mjs')).serveStripped(mainUrl.href);
const { main } = await import(mainUrl.href);
await main(process.argv.slice(2));
