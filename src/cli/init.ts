// `exsoak init [dir]`: scaffolds, in the user's project, a scenario and a probe module wired to
// the Binance simulator that pass when run as they are — the starting point for soaking their
// own client. Nothing existing is overwritten.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageFile } from '../shared/module-file.ts';
import type { CommandModule } from 'yargs';
import { UsageError } from './errors.ts';
import { pythonClientSource, pythonScenarioSource, SCENARIO_TAIL, scenarioHead } from './init-python.ts';

interface InitArgs {
  dir: string;
  name: string;
  python?: boolean;
}

/** The schema shipped in this package (compiled, this file is one folder deeper: dist/src/cli). */
const SCHEMA = packageFile('schema/scenario.schema.json');

function isEsmProject(dir: string): boolean {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const pkg = path.join(at, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(at) === at) return false;
  }
}

function probeSource(): string {
  return `// A probe: your client, run by exsoak in its own worker and measured there (docs: exsoak/docs/probe-sdk.md).
// Replace the WebSocket below with your own client; keep the ctx calls.
import { defineProbe } from 'exsoak/probe';

interface Options {
  symbols: string[];
}

export default defineProbe<Options>(async (ctx) => {
  const streams = ctx.options.symbols.map((s) => \`\${s.toLowerCase()}@trade\`).join('/');
  // ctx.endpoints: the simulator's URLs (target sim) or the exchange's (target live).
  const ws = new WebSocket(\`\${ctx.endpoints.ws}/stream?streams=\${streams}\`);
  ws.addEventListener('message', () => ctx.count('messages'));
  ws.addEventListener('close', (e) => {
    if (!ctx.signal.aborted) ctx.count('drops.unscheduled');
    ctx.event('disconnect', { code: e.code, scheduled: ctx.signal.aborted });
  });
  ws.addEventListener('error', () => ctx.log('warn', 'websocket error'));
  await ctx.stopped; // resolves on a graceful stop
  ws.close();
});
`;
}

function scenarioSource(name: string, module: string, schema: string): string {
  return `${scenarioHead(name, schema)}
    kind: module
    module: ${module}
    simulator: binance
    options: { symbols: [BTCUSDT, ETHUSDT] }
    counters: [messages, drops.unscheduled]
    thresholds:
      - msg_rate.avg > 10
      - drops.unscheduled < 10
      - heap_floor_mb.growth < 50
${SCENARIO_TAIL}`;
}

export const initCommand: CommandModule<object, InitArgs> = {
  command: 'init [dir]',
  describe: 'Scaffold a scenario and a probe module for your own client (passes as it is)',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', default: 'soak', describe: 'folder to create them in' })
      .option('name', { type: 'string', default: 'my-client', describe: 'scenario name' })
      .option('python', { type: 'boolean', default: false, describe: 'a Python client as a process probe with python: true (tracemalloc heap floor and culprits)' })
      .example('exsoak init && exsoak run soak/scenario.yaml', 'scaffold, then run the passing example')
      .example('exsoak init --python', 'the same for a Python client (a process probe with python: true)'),
  handler: (args) => {
    if (!/^[a-z0-9][a-z0-9_.-]*$/i.test(args.name)) throw new UsageError(`--name: expected a name usable in a folder name, got "${args.name}"`);
    const dir = path.resolve(args.dir);
    const probeFile = args.python ? path.join(dir, 'client.py') : path.join(dir, 'probes', isEsmProject(dir) ? 'my-client.ts' : 'my-client.mts');
    const scenarioFile = path.join(dir, 'scenario.yaml');
    for (const file of [scenarioFile, probeFile]) {
      if (existsSync(file)) throw new UsageError(`${file} already exists (exsoak init overwrites nothing; pick another folder)`);
    }
    mkdirSync(path.dirname(probeFile), { recursive: true });
    const relModule = './' + path.relative(dir, probeFile).split(path.sep).join('/');
    const relSchema = path.relative(dir, SCHEMA).split(path.sep).join('/');
    const rel = path.relative(process.cwd(), scenarioFile) || scenarioFile;
    writeFileSync(probeFile, args.python ? pythonClientSource() : probeSource());
    // A process probe's command runs in the scenario's folder, where client.py is.
    const scenario = args.python ? pythonScenarioSource(args.name, 'client.py', relSchema) : scenarioSource(args.name, relModule, relSchema);
    writeFileSync(scenarioFile, scenario.replace('{{scenario}}', rel));
    process.stdout.write(`created ${path.relative(process.cwd(), probeFile)}\ncreated ${rel}\nnext: npx exsoak run ${rel}\n`);
  },
};
