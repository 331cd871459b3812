// `exsoak sim binance|bitunix`: one simulator standalone; its URL(s) on the first stdout line.
import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import YAML from 'yaml';
import { UsageError } from './errors.ts';
import { takeEarlySignals } from '../shared/early-signals.ts';
import { requireVenue, venueNames } from '../probes/index.ts';

interface SimArgs {
  exchange: string;
  port: number;
  host: string;
  seed: number;
  rate?: number;
  faults?: string;
  'api-key'?: string;
  'api-secret'?: string;
  'options-json'?: string;
}

function readFaults(file: string): unknown {
  try {
    return YAML.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--faults ${file}: ${(err as Error).message}`);
  }
}

export const simCommand: CommandModule<object, SimArgs> = {
  command: 'sim <exchange>',
  describe: 'Run an exchange simulator standalone (prints its URLs on the first line)',
  builder: (y) =>
    y
      .positional('exchange', { type: 'string', choices: venueNames(), demandOption: true })
      .option('port', { type: 'number', default: 0, describe: 'port (0 = any free port)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'bind address (loopback unless you mean it)' })
      .option('seed', { type: 'number', default: 1, describe: 'same seed, same market data' })
      .option('rate', { type: 'number', describe: 'messages per second per stream' })
      .option('faults', { type: 'string', describe: 'fault plan file (YAML or JSON: schedule, random, seed)' })
      .option('api-key', { type: 'string', describe: 'bitunix: the key pair it accepts (else BITUNIX_API_KEY, else the test pair)' })
      .option('api-secret', { type: 'string', describe: 'bitunix: the secret it accepts (else BITUNIX_API_SECRET)' })
      .option('options-json', { type: 'string', hidden: true })
      .example('exsoak sim binance --port 9443 --rate 50', 'a Binance stream simulator on ws://127.0.0.1:9443')
      .example('exsoak sim bitunix --faults faults.yaml', 'a Bitunix simulator with scheduled faults'),
  handler: async (args) => {
    let extra: Record<string, unknown> = {};
    // The supervisor passes scenario options by environment (they may hold credentials, which
    // argv would show to every user); --options-json stays for hand use.
    const fromEnv = process.env.EXSOAK_SIM_OPTIONS_JSON;
    delete process.env.EXSOAK_SIM_OPTIONS_JSON;
    const json = args['options-json'] ?? fromEnv;
    if (json) {
      try {
        extra = JSON.parse(json) as Record<string, unknown>;
      } catch (err) {
        throw new UsageError(`${args['options-json'] ? '--options-json' : 'EXSOAK_SIM_OPTIONS_JSON'}: ${(err as Error).message}`);
      }
    }
    const base = {
      ...extra,
      host: args.host,
      port: args.port,
      seed: args.seed,
      ...(args.rate !== undefined ? { rate: args.rate } : {}),
      ...(args.faults ? { faults: readFaults(args.faults) } : {}),
    };
    const venue = requireVenue(args.exchange);
    const sim = await venue.startSimulator({
      ...base,
      ...(args['api-key'] ? { apiKey: args['api-key'] } : {}),
      ...(args['api-secret'] ? { apiSecret: args['api-secret'] } : {}),
    });
    // The contract: the endpoints on the first line, in the venue's order (the supervisor reads it).
    process.stdout.write(`${venue.endpoints.map((e) => sim.endpoints[e.key]).join(' ')}\n`);
    const close = () => sim.close();
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (takeEarlySignals().length > 0) stop();
      // Started by a supervisor (an IPC channel): its death closes the channel, and a simulator
      // left behind would keep listening with PPID 1.
      if (process.channel) {
        process.once('disconnect', stop);
        process.channel.unref();
      }
    });
    await close();
    if (process.connected) process.disconnect();
  },
};
