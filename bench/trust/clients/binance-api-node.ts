// binance-api-node's `ws.trades`, with the app keeping the last N trades in a ring buffer.
import BinanceModule from 'binance-api-node';
import { defineProbe } from 'exsoak/probe';
import { startApp, type TrustOptions } from './app.ts';

interface Client {
  ws: { trades(symbols: string[], cb: (trade: unknown) => void): (options?: Record<string, unknown>) => void };
}
// The package's CommonJS build puts its factory on `.default` once more under ESM.
const Binance = ((BinanceModule as unknown as { default?: unknown }).default ?? BinanceModule) as unknown as (opts: { wsBase?: string; httpBase?: string }) => Client;

export default defineProbe<TrustOptions>(async (ctx) => {
  const client = Binance({ wsBase: `${ctx.endpoints.ws}/ws`, httpBase: ctx.endpoints.rest });
  const ring: unknown[] = new Array(ctx.options.cap);
  let next = 0;
  let filled = 0;
  const close = client.ws.trades(ctx.options.symbols, (trade) => {
    ring[next] = trade;
    next = (next + 1) % ring.length;
    filled = Math.min(filled + 1, ring.length);
    ctx.count('messages');
  });
  const stop = startApp(ctx, () => filled);
  await ctx.stopped;
  stop();
  close({ delay: 0, fastClose: true, keepClosed: true });
});
