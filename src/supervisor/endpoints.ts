// Where probes connect when the target is `live`. Bitunix has no testnet: live is mainnet.
export const LIVE_ENDPOINTS: Record<string, Record<string, string>> = {
  binance: { ws: 'wss://stream.binance.com:9443', rest: 'https://api.binance.com' },
  bitunix: {
    rest: 'https://fapi.bitunix.com',
    wsPublic: 'wss://fapi.bitunix.com/public/',
    wsPrivate: 'wss://fapi.bitunix.com/private/',
  },
};
