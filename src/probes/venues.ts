// The two venues exsoak knows: their simulators, their live endpoints and their live-consent
// rules. Bitunix has no testnet (Bitunix staff said so on its official demo repository, Oct 2025;
// the "testnet" flags of third-party clients point at mainnet): live is mainnet, real money.
import type { VenueDescriptor } from './types.ts';
import { testnetRefusal, testnetRequested } from './testnet-flag.ts';

export const binanceVenue: VenueDescriptor = {
  name: 'binance',
  endpoints: [
    { key: 'ws', env: 'EXSOAK_BINANCE_WS', meaning: 'market-stream WebSocket base (append /ws/<stream> or /stream?streams=…)' },
    { key: 'rest', env: 'EXSOAK_BINANCE_REST', meaning: 'REST base (depth snapshots)' },
  ],
  live: { ws: 'wss://stream.binance.com:9443', rest: 'https://api.binance.com' },
  endpointsAt: (http, ws) => ({ ws, rest: http }),
  async startSimulator(options) {
    const { startBinanceSim } = await import('../sim/binance/index.ts');
    const sim = await startBinanceSim(options as never);
    return { endpoints: { ws: sim.url, rest: sim.httpUrl }, close: () => sim.close() };
  },
};

export const bitunixVenue: VenueDescriptor = {
  name: 'bitunix',
  endpoints: [
    { key: 'rest', env: 'EXSOAK_BITUNIX_REST', meaning: 'futures REST base' },
    { key: 'wsPublic', env: 'EXSOAK_BITUNIX_WS_PUBLIC', meaning: 'public WebSocket' },
    { key: 'wsPrivate', env: 'EXSOAK_BITUNIX_WS_PRIVATE', meaning: 'private WebSocket (login)' },
  ],
  live: {
    rest: 'https://fapi.bitunix.com',
    wsPublic: 'wss://fapi.bitunix.com/public/',
    wsPrivate: 'wss://fapi.bitunix.com/private/',
  },
  endpointsAt: (http, ws) => ({ rest: http, wsPublic: `${ws}/public/`, wsPrivate: `${ws}/private/` }),
  async startSimulator(options) {
    const { startBitunixSim } = await import('../sim/bitunix/index.ts');
    const sim = await startBitunixSim(options as never);
    return { endpoints: { rest: sim.restUrl, wsPublic: sim.wsPublicUrl, wsPrivate: sim.wsPrivateUrl }, close: () => sim.close() };
  },
  checkLive({ probes, allowMainnet, env }) {
    if (testnetRequested(env.BITUNIX_USE_TESTNET)) return testnetRefusal(env.BITUNIX_USE_TESTNET!);
    if (!allowMainnet) {
      return `--target live with Bitunix probe(s) ${probes.join(', ')} trades real money on mainnet (Bitunix has no testnet): add --allow-mainnet to consent.`;
    }
    if (!env.BITUNIX_API_KEY || !env.BITUNIX_API_SECRET) {
      return '--target live: BITUNIX_API_KEY and BITUNIX_API_SECRET must be set in the environment for a live Bitunix probe.';
    }
    return undefined;
  },
};
