// The `binance` package's WebsocketClient (combined stream + SUBSCRIBE), with the app's own LRU
// of trades by id, as a user keeps to de-duplicate after a reconnect.
import { WebsocketClient } from 'binance';
import { defineProbe } from 'exsoak/probe';
import { Lru, startApp, type TrustOptions } from './app.ts';

const silent = { trace: () => {}, info: () => {}, error: () => {} };

export default defineProbe<TrustOptions>(async (ctx) => {
  const client = new WebsocketClient({ wsUrl: ctx.endpoints.ws }, silent);
  const seen = new Lru<string, unknown>(ctx.options.cap);
  client.on('message', (event: unknown) => {
    const t = event as { e?: string; s?: string; t?: number };
    if (t.e !== 'trade') return;
    seen.set(`${t.s}:${t.t}`, t);
    ctx.count('messages');
  });
  client.on('reconnected', () => ctx.event('disconnect', { scheduled: false }));
  const stop = startApp(ctx, () => seen.size);
  // Not awaited: the library resolves it on the venue's reply, and the app runs either way.
  client.subscribe(ctx.options.symbols.map((s) => `${s.toLowerCase()}@trade`), 'main').catch((err: unknown) => ctx.log('warn', 'subscribe failed', { message: String(err) }));
  await ctx.stopped;
  stop();
  client.closeAll(true);
});
