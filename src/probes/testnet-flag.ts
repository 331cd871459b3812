// BITUNIX_USE_TESTNET comes from the seed's checklist, where it meant "this is safe". Bitunix has
// no testnet, so any spelling of "on" must stop a live run: a guard that only knows `true` lets
// `TRUE`, `1` or `yes` through to mainnet.

const TRUTHY = new Set(['true', '1', 'yes', 'y', 'on']);

/** Whether an environment value asks for a testnet, in any of the usual spellings. */
export function testnetRequested(value: string | undefined): boolean {
  return value !== undefined && TRUTHY.has(value.trim().toLowerCase());
}

export function testnetRefusal(value: string): string {
  return (
    `--target live: BITUNIX_USE_TESTNET=${value} is set, but Bitunix has no testnet: every live Bitunix ` +
    'endpoint is mainnet, so this run would trade real money. To test safely use --target sim (the local ' +
    'Bitunix simulator, the default); to trade on mainnet on purpose, unset BITUNIX_USE_TESTNET and add --allow-mainnet.'
  );
}
