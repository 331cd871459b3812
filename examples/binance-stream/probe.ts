// The probe: the client above, soaked by exsoak. Everything exsoak needs is in ctx.
import { defineProbe } from 'exsoak/probe';
import { BinanceStream } from './client.mjs';

interface Options {
  symbols: string[];
  streams?: string[];
  trimCache?: boolean;
}

export default defineProbe<Options>(async (ctx) => {
  const client = new BinanceStream({ url: ctx.endpoints.ws!, symbols: ctx.options.symbols, streams: ctx.options.streams, trimCache: ctx.options.trimCache ?? true });
  client.on('message', () => ctx.count('messages'));
  client.on('close', (e: { planned: boolean; code: number }) => {
    if (!e.planned) ctx.count('drops.unscheduled');
    ctx.event('disconnect', { scheduled: e.planned, code: e.code });
  });
  client.on('error', (err: Error) => ctx.log('warn', 'stream error', { message: err.message }));
  const cache = setInterval(() => ctx.gauge('cache_size', client.recent.size), 1000);
  client.start();
  await ctx.stopped;
  clearInterval(cache);
  await client.close();
});
