// Executor: Bitunix signed REST round trips against the Bitunix simulator in its own process —
// place_order and modify_order through BitunixRest (sign, send, parse), p50/p99 of each — and the
// signing cost alone. The simulator's per-endpoint rate limits (10/s as on the venue) are raised
// for the run: the figure is the client's and the loopback's latency, not the venue's throttle.
import { BitunixCredentials } from '../src/exchanges/bitunix/signer.ts';
import { BitunixRest } from '../src/exchanges/bitunix/rest.ts';
import { startSimProcess } from './lib/sim-process.ts';
import { figure, quantile, type Row } from './lib/stats.ts';
import type { SuiteContext } from './lib/suite.ts';

/** The simulator's documented test pair (src/sim/bitunix/README.md): opens no real account. */
const TEST_PAIR = { apiKey: 'exsoak-sim-bitunix-test-key', apiSecret: 'exsoak-sim-bitunix-test-secret' };
const SYMBOL = 'BTCUSDT';
const UNLIMITED = 1_000_000;

function signCost(credentials: BitunixCredentials, iterations: number): number {
  const body = JSON.stringify({ symbol: SYMBOL, qty: '0.0001', side: 'BUY', orderType: 'LIMIT', price: '59000.1', tradeSide: 'OPEN', effect: 'GTC', clientId: 'xs0123456789abcdef' });
  const input = { nonce: 'N'.repeat(32), timestamp: String(Date.now()), queryParams: '', body };
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += credentials.signRest(input).length;
  const ns = Number(process.hrtime.bigint() - t0);
  if (sink === 0) throw new Error('unreachable');
  return ns / iterations;
}

export async function executorSuite(ctx: SuiteContext): Promise<Row[]> {
  const reps = ctx.quick ? 1 : 3;
  const roundTrips = ctx.quick ? 50 : 300;
  const credentials = new BitunixCredentials(process.env.BITUNIX_API_KEY ?? TEST_PAIR.apiKey, process.env.BITUNIX_API_SECRET ?? TEST_PAIR.apiSecret);
  const limits = Object.fromEntries(['trade/place_order', 'trade/modify_order', 'trade/cancel_all_orders', 'market/depth'].map((e) => [e, UNLIMITED]));
  const sim = await startSimProcess({ exchange: 'bitunix', options: { rules: { rateLimits: limits } } });
  const place: number[][] = [];
  const modify: number[][] = [];
  try {
    const rest = new BitunixRest({ baseUrl: sim.urls[0]!, credentials, maxRetries: 0 });
    await rest.changePositionMode('HEDGE');
    const top = await rest.getDepth(SYMBOL);
    const bid = Number(top.bid);
    // One decimal (the simulator's BTCUSDT precision), ~1 % under the bid: the order rests.
    const price = (k: number) => (Math.floor(bid * (0.99 - k * 0.0001) * 10) / 10).toFixed(1);
    for (let i = 0; i < 20; i++) {
      // Warm-up: JIT, the keep-alive connection, the simulator's own paths.
      const ack = await rest.placeOrder({ symbol: SYMBOL, side: 'BUY', tradeSide: 'OPEN', orderType: 'LIMIT', qty: '0.0001', price: price(0) });
      await rest.modifyOrder({ orderId: ack.orderId, qty: '0.0001', price: price(1) });
    }
    await rest.cancelAllOrders(SYMBOL);
    for (let rep = 0; rep < reps; rep++) {
      const p: number[] = [];
      const m: number[] = [];
      for (let i = 0; i < roundTrips; i++) {
        const t0 = performance.now();
        const ack = await rest.placeOrder({ symbol: SYMBOL, side: 'BUY', tradeSide: 'OPEN', orderType: 'LIMIT', qty: '0.0001', price: price(i % 10) });
        const t1 = performance.now();
        await rest.modifyOrder({ orderId: ack.orderId, qty: '0.0001', price: price((i % 10) + 1) });
        const t2 = performance.now();
        p.push(t1 - t0);
        m.push(t2 - t1);
        if (i % 50 === 49) await rest.cancelAllOrders(SYMBOL); // keeps the simulator's book small
      }
      await rest.cancelAllOrders(SYMBOL);
      place.push(p);
      modify.push(m);
      ctx.log(`  rep ${rep + 1}/${reps}: place p50 ${quantile(p, 0.5).toFixed(2)} ms p99 ${quantile(p, 0.99).toFixed(2)} ms, modify p50 ${quantile(m, 0.5).toFixed(2)} ms p99 ${quantile(m, 0.99).toFixed(2)} ms`);
    }
  } finally {
    await sim.stop();
  }
  signCost(credentials, 5_000); // warm-up
  const sign = Array.from({ length: ctx.quick ? 3 : 7 }, () => signCost(credentials, ctx.quick ? 20_000 : 100_000));
  const note = `${roundTrips} round trips per rep, simulator in a child process`;
  return [
    { suite: 'executor', name: 'place_order round trip p50', figure: figure(place.map((p) => quantile(p, 0.5)), 'ms'), note },
    { suite: 'executor', name: 'place_order round trip p99', figure: figure(place.map((p) => quantile(p, 0.99)), 'ms') },
    { suite: 'executor', name: 'modify_order round trip p50', figure: figure(modify.map((m) => quantile(m, 0.5)), 'ms') },
    { suite: 'executor', name: 'modify_order round trip p99', figure: figure(modify.map((m) => quantile(m, 0.99)), 'ms') },
    { suite: 'executor', name: 'signRest alone (place body)', figure: figure(sign, 'ns/op'), note: 'two SHA-256 rounds, hex' },
  ];
}
