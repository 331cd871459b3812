// A small Node Binance trade-stream client soaked as `kind: process` with `node: true`: exsoak
// starts it with the inspector on 127.0.0.1 and reads its V8 heap (floor by forced GC) and heap
// snapshots from outside, as it does for a worker probe. LEAK_BYTES retains that much per message.
import WebSocket from 'ws';

const base = process.env.EXSOAK_BINANCE_WS;
if (!base) {
  console.error('EXSOAK_BINANCE_WS is not set: run me with `simulator: binance`');
  process.exit(2);
}
const streams = (process.env.SYMBOLS ?? 'BTCUSDT,ETHUSDT').split(',').map((s) => `${s.trim().toLowerCase()}@trade`);
const leakBytes = Number(process.env.LEAK_BYTES ?? 0);
const retained = [];
let messages = 0;
let ws;
let stopping = false;

function emit(event, data = {}) {
  process.stdout.write(JSON.stringify({ event, ...data }) + '\n');
}

function connect(delay = 500) {
  ws = new WebSocket(`${base.replace(/\/$/, '')}/stream?streams=${streams.join('/')}`);
  ws.on('open', () => emit('connect', { streams }));
  ws.on('message', (data) => {
    JSON.parse(String(data));
    messages++;
    if (leakBytes > 0) retained.push(Buffer.alloc(leakBytes, messages % 251).toString('latin1'));
    if (messages % 100 === 0) emit('counters', { counters: { messages } });
  });
  ws.on('close', (code) => {
    if (stopping) return;
    emit('disconnect', { scheduled: code === 1000 || code === 1001, code });
    setTimeout(() => connect(Math.min(delay * 2, 5000)), delay);
  });
  ws.on('error', () => {});
}

process.on('SIGTERM', () => {
  stopping = true;
  emit('stopped', { messages });
  ws?.close(1000);
  setTimeout(() => process.exit(0), 200).unref();
});
connect();
