// Refusals that must happen before any request leaves the machine. Bitunix has no testnet:
// a live Bitunix run is real money on mainnet and needs its own, explicit consent.
import type { LoadedScenario } from './load.ts';
import { ScenarioError } from './load.ts';
import { testnetRefusal, testnetRequested } from './testnet-flag.ts';

export function checkTargetSafety(loaded: LoadedScenario, opts: { allowMainnet: boolean; env: NodeJS.ProcessEnv }): void {
  const bitunix = loaded.probes.filter((p) => p.kind === 'bitunix');
  if (loaded.scenario.target !== 'live' || bitunix.length === 0) return;
  if (testnetRequested(opts.env.BITUNIX_USE_TESTNET)) throw new ScenarioError(testnetRefusal(opts.env.BITUNIX_USE_TESTNET!));
  if (!opts.allowMainnet) {
    throw new ScenarioError(
      `--target live with Bitunix probe(s) ${bitunix.map((p) => p.name).join(', ')} trades real money on mainnet (Bitunix has no testnet): add --allow-mainnet to consent.`,
    );
  }
  if (!opts.env.BITUNIX_API_KEY || !opts.env.BITUNIX_API_SECRET) {
    throw new ScenarioError('--target live: BITUNIX_API_KEY and BITUNIX_API_SECRET must be set in the environment for a live Bitunix probe.');
  }
}
