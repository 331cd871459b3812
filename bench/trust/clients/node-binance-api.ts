// node-binance-api's `websockets.trades` (one combined stream), with the app keeping a Set of
// recent trade ids trimmed oldest-first (a de-duplication window).
import NodeBinanceApi from 'node-binance-api';
import { defineProbe } from 'exsoak/probe';
import { startApp, type TrustOptions } from './app.ts';

export default defineProbe<TrustOptions>(async (ctx) => {
  const api = new NodeBinanceApi({ urls: { stream: `${ctx.endpoints.ws}/ws/`, combineStream: `${ctx.endpoints.ws}/stream?streams=` }, log: () => {} });
  const window = new Set<string>();
  const trades = new Map<string, unknown>();
  api.websockets.trades(ctx.options.symbols, (trade: { s: string; t: number }) => {
    const id = `${trade.s}:${trade.t}`;
    window.add(id);
    trades.set(id, trade);
    if (window.size > ctx.options.cap) {
      const oldest = window.values().next().value!;
      window.delete(oldest);
      trades.delete(oldest);
    }
    ctx.count('messages');
  });
  const stop = startApp(ctx, () => window.size);
  await ctx.stopped;
  stop();
  for (const endpoint of Object.keys(api.subscriptions ?? {})) api.terminate(endpoint, false);
});
