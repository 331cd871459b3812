// ccxt (pro) `watchTrades` on the Binance simulator: the library keeps each symbol's trades in
// its own bounded ArrayCache (`tradesLimit`), so the healthy client's heap fills, then holds.
import ccxt from 'ccxt';
import { defineProbe } from 'exsoak/probe';
import { startApp, type TrustOptions } from './app.ts';

export default defineProbe<TrustOptions>(async (ctx) => {
  const ex = new ccxt.pro.binance({ options: { fetchMarkets: ['spot'], tradesLimit: ctx.options.cap } });
  const urls = ex.urls as unknown as { api: Record<string, unknown> & { ws: Record<string, string> } };
  urls.api.ws.spot = `${ctx.endpoints.ws}/ws`;
  for (const [k, v] of Object.entries(urls.api)) if (typeof v === 'string') urls.api[k] = v.replace('https://api.binance.com', ctx.endpoints.rest!);
  await ex.loadHttpProxyAgent(); // ccxt refuses a plain ws:// URL until its agents are loaded
  const symbols = ctx.options.symbols.map((s) => `${s.slice(0, -4)}/${s.slice(-4)}`);
  const cacheSize = () => symbols.reduce((n, s) => n + ((ex.trades as Record<string, unknown[]>)[s]?.length ?? 0), 0);
  const stop = startApp(ctx, cacheSize);
  const loops = symbols.map(async (symbol) => {
    while (!ctx.signal.aborted) {
      try {
        const trades = await ex.watchTrades(symbol);
        ctx.count('messages', trades.length);
      } catch (err) {
        if (ctx.signal.aborted) break;
        ctx.count('errors');
        ctx.log('warn', 'watchTrades failed', { message: String(err).slice(0, 200) });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  });
  await ctx.stopped;
  stop();
  await ex.close();
  await Promise.allSettled(loops);
});
