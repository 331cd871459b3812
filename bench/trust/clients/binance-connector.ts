// Binance's own @binance/connector `WebsocketStream`, with the app keeping per-symbol arrays of
// recent trades trimmed with shift() (the most common hand-written buffer).
import { WebsocketStream } from '@binance/connector';
import { defineProbe } from 'exsoak/probe';
import { startApp, type TrustOptions } from './app.ts';

export default defineProbe<TrustOptions>(async (ctx) => {
  const recent = new Map<string, unknown[]>();
  const silent = { debug() {}, info() {}, warn() {}, error() {}, log() {} };
  const ws = new WebsocketStream({
    wsURL: ctx.endpoints.ws,
    logger: silent,
    callbacks: {
      message: (raw: string) => {
        const trade = JSON.parse(raw) as { s?: string };
        if (!trade.s) return;
        const list = recent.get(trade.s) ?? [];
        recent.set(trade.s, list);
        list.push(trade);
        if (list.length > ctx.options.cap) list.shift();
        ctx.count('messages');
      },
    },
  });
  for (const s of ctx.options.symbols) ws.trade(s.toLowerCase());
  const stop = startApp(ctx, () => [...recent.values()].reduce((n, l) => n + l.length, 0));
  await ctx.stopped;
  stop();
  ws.disconnect();
});
