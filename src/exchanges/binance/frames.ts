// What a frame is and why a socket went: pure readings a StreamConnection acts on. A frame is a
// stream event, a control answer, a shutdown notice, or malformed (with the reason counted in the
// stats); a drop is scheduled (the venue's notice or its 24 h limit) or not, and its cause.
import type { RawData } from 'ws';
import type { MarketEvent } from './payloads.ts';
import { isValidPayload } from './payloads.ts';
import type { StreamState } from './sequence.ts';
import type { Market } from './streams.ts';
import type { DropCause } from './types.ts';

// `any` for freshly parsed JSON: the shape checks below are what give it a type.
type Json = any;

export type Frame =
  | { kind: 'event'; stream: StreamState; data: MarketEvent }
  | { kind: 'control'; msg: Json }
  | { kind: 'shutdown' }
  | { kind: 'malformed'; reason: string; sample: string; stream?: string };

/** Reads one frame against the streams the connection holds; `states` is only read. */
export function classifyFrame(raw: RawData, isBinary: boolean, states: ReadonlyMap<string, StreamState>, market: Market): Frame {
  if (isBinary) return { kind: 'malformed', reason: 'binary', sample: '<binary frame>' };
  const text = typeof raw === 'string' ? raw : raw.toString();
  let msg: Json;
  try {
    msg = JSON.parse(text);
  } catch {
    return { kind: 'malformed', reason: 'json', sample: text };
  }
  if (msg === null || typeof msg !== 'object') return { kind: 'malformed', reason: 'envelope', sample: text };
  const stream = msg.stream;
  if (typeof stream === 'string') {
    const data = msg.data;
    if (data === null || typeof data !== 'object') return { kind: 'malformed', reason: 'envelope', sample: text, stream };
    if (data.e === 'serverShutdown') return { kind: 'shutdown' };
    const st = states.get(stream);
    if (st === undefined) return { kind: 'malformed', reason: 'unexpected-stream', sample: text, stream };
    if (!isValidPayload(st.kind, data, market)) return { kind: 'malformed', reason: `payload:${st.kind}`, sample: text, stream };
    return { kind: 'event', stream: st, data };
  }
  if ('id' in msg && ('result' in msg || 'error' in msg)) return { kind: 'control', msg };
  if (msg.e === 'serverShutdown') return { kind: 'shutdown' };
  return { kind: 'malformed', reason: 'envelope', sample: text };
}

export interface DropFacts {
  /** What the socket saw: 'silence' when no stream data came for the silence timeout. */
  cause: DropCause;
  /** The venue announced a shutdown on this socket before it went. */
  shutdownAnnounced: boolean;
  ageMs: number;
  /** The venue's connection age limit (0: none). */
  serverMaxConnectionAgeMs: number;
}

/**
 * A drop after the venue's shutdown notice, or at its age limit (less a margin of 5 %, at most a
 * minute), is scheduled; a silent socket is a fault whatever its age.
 */
export function classifyDrop(facts: DropFacts): { cause: DropCause; scheduled: boolean } {
  if (facts.cause === 'silence') return { cause: 'silence', scheduled: false };
  if (facts.shutdownAnnounced) return { cause: 'server-shutdown', scheduled: true };
  const serverAge = facts.serverMaxConnectionAgeMs;
  const atMaxAge = serverAge > 0 && facts.ageMs >= serverAge - Math.min(60_000, serverAge * 0.05);
  if (atMaxAge) return { cause: 'max-age', scheduled: true };
  return { cause: facts.cause, scheduled: false };
}

/** The first five stream names, and how many there are when there are more. */
export function streamList(names: readonly string[]): string {
  return names.slice(0, 5).join(', ') + (names.length > 5 ? `, … (${names.length})` : '');
}
