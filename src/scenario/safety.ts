// Refusals that must happen before any request leaves the machine: each venue a live run would
// reach gets to refuse it (Bitunix has no testnet: live is mainnet and needs its own consent).
import type { LoadedScenario } from './load.ts';
import { ScenarioError } from './load.ts';
import { requireVenue } from '../probes/index.ts';

export function checkTargetSafety(loaded: LoadedScenario, opts: { allowMainnet: boolean; env: NodeJS.ProcessEnv }): void {
  if (loaded.scenario.target !== 'live') return;
  const byVenue = new Map<string, string[]>();
  for (const probe of loaded.probes) {
    const name = probe.venue;
    if (name) byVenue.set(name, [...(byVenue.get(name) ?? []), probe.name]);
  }
  for (const [name, probes] of byVenue) {
    const refusal = requireVenue(name).checkLive?.({ probes, allowMainnet: opts.allowMainnet, env: opts.env });
    if (refusal) throw new ScenarioError(refusal);
  }
}
