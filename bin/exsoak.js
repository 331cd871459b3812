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
}
const { main } = await import('../src/cli/main.ts');
await main(process.argv.slice(2));
