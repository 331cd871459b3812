import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyDrop, classifyFrame, streamList } from '../../src/exchanges/binance/frames.ts';
import { newStreamState } from '../../src/exchanges/binance/sequence.ts';

const states = new Map([['btcusdt@trade', newStreamState('btcusdt@trade')]]);
const trade = { e: 'trade', E: 1, s: 'BTCUSDT', t: 7, p: '1.0', q: '2.0', T: 1 };
const read = (text: string, binary = false) => classifyFrame(Buffer.from(text), binary, states, 'spot');

test('a valid stream frame is an event for its stream state', () => {
  const frame = read(JSON.stringify({ stream: 'btcusdt@trade', data: trade }));
  assert.equal(frame.kind, 'event');
  assert.ok(frame.kind === 'event' && frame.stream === states.get('btcusdt@trade') && (frame.data as { t?: number }).t === 7);
});

test('malformed frames name why: binary, json, envelope, unexpected stream, payload', () => {
  const reason = (text: string, binary = false) => {
    const f = read(text, binary);
    return f.kind === 'malformed' ? `${f.reason}${f.stream ? ` ${f.stream}` : ''}` : f.kind;
  };
  assert.equal(reason('{}', true), 'binary');
  assert.equal(reason('{not json'), 'json');
  assert.equal(reason('42'), 'envelope');
  assert.equal(reason('null'), 'envelope');
  assert.equal(reason(JSON.stringify({ stream: 'btcusdt@trade', data: 5 })), 'envelope btcusdt@trade');
  assert.equal(reason(JSON.stringify({ stream: 'ethusdt@trade', data: trade })), 'unexpected-stream ethusdt@trade');
  assert.equal(reason(JSON.stringify({ stream: 'btcusdt@trade', data: { ...trade, t: 'x' } })), 'payload:trade btcusdt@trade');
  assert.equal(reason(JSON.stringify({ hello: 1 })), 'envelope');
  // The sample is the frame's text, for the stats' sample of what was wrong.
  const f = read('{not json');
  assert.ok(f.kind === 'malformed' && f.sample === '{not json');
});

test('control answers and shutdown notices, in and out of a stream envelope', () => {
  assert.equal(read(JSON.stringify({ id: 3, result: null })).kind, 'control');
  assert.equal(read(JSON.stringify({ id: 3, error: { code: 2, msg: 'x' } })).kind, 'control');
  assert.equal(read(JSON.stringify({ id: 3 })).kind, 'malformed');
  assert.equal(read(JSON.stringify({ e: 'serverShutdown' })).kind, 'shutdown');
  // An unknown stream's shutdown notice is still a notice.
  assert.equal(read(JSON.stringify({ stream: 'x@y', data: { e: 'serverShutdown' } })).kind, 'shutdown');
});

test('drops: a shutdown notice or the venue age limit is scheduled; silence never is', () => {
  const day = 86_400_000;
  const base = { cause: 'server' as const, shutdownAnnounced: false, ageMs: 1000, serverMaxConnectionAgeMs: day };
  assert.deepEqual(classifyDrop(base), { cause: 'server', scheduled: false });
  assert.deepEqual(classifyDrop({ ...base, shutdownAnnounced: true }), { cause: 'server-shutdown', scheduled: true });
  // The limit less a margin of min(1 min, 5 %): a minute early on a 24 h limit counts.
  assert.deepEqual(classifyDrop({ ...base, ageMs: day - 60_000 }), { cause: 'max-age', scheduled: true });
  assert.deepEqual(classifyDrop({ ...base, ageMs: day - 60_001 }), { cause: 'server', scheduled: false });
  assert.deepEqual(classifyDrop({ ...base, ageMs: 95, serverMaxConnectionAgeMs: 100 }), { cause: 'max-age', scheduled: true });
  assert.deepEqual(classifyDrop({ ...base, ageMs: 10 * day, serverMaxConnectionAgeMs: 0 }), { cause: 'server', scheduled: false });
  assert.deepEqual(classifyDrop({ ...base, cause: 'silence', shutdownAnnounced: true, ageMs: day }), { cause: 'silence', scheduled: false });
});

test('streamList shows five names and the count beyond', () => {
  assert.equal(streamList(['a', 'b']), 'a, b');
  assert.equal(streamList(['a', 'b', 'c', 'd', 'e', 'f']), 'a, b, c, d, e, … (6)');
});
