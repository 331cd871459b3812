// Per-stream sequencing: duplicate suppression and gap detection.
//
// Every stream has a key that only grows: trade `t`, aggTrade `a`, bookTicker and diff-depth `u`
// are exchange-wide ids, so a repeat is a duplicate even on one socket ("strict"). Klines,
// tickers and partial depth are keyed by event time or a snapshot id that may legitimately repeat,
// so they are only deduplicated when two sockets overlap (rotation replay, "loose").
import type { Market, StreamKind } from './streams.ts';
import { streamKind, streamSymbol } from './streams.ts';

export const ACCEPT = 0;
export const DUPLICATE = 1;
/** Accepted, but ids were skipped before it (details in `gapExpected` / `gapGot`). */
export const GAP = 2;
/** Accepted, and the key went backwards on a fresh socket: the server restarted its sequence. */
export const RESET = 3;
/** Rejected: the id jumped so far ahead that it is taken as corrupt, not as the new high-water mark. */
export const ID_JUMP = 4;

/**
 * Largest forward step of an id that is believed on the word of one event. Trade ids of the
 * busiest Binance symbols advance by a few million a day and book update ids by well under a
 * billion, so a larger step from one event to the next is corruption; a venue that really moved
 * its ids is believed once a second event continues from the new place.
 */
const MAX_ID_JUMP = 1e9;

export interface StreamState {
  readonly name: string;
  readonly kind: StreamKind;
  readonly symbol: string;
  readonly strict: boolean;
  /** Ids step by exactly one (trades) or chain (`U`/`pu` of diff depth): a skip is a gap. */
  readonly contiguous: boolean;
  /** Highest key delivered, -1 before the first. */
  last: number;
  /** Serial of the socket that delivered last: a change means a fresh socket. */
  epoch: number;
  delivered: number;
  duplicates: number;
  gaps: number;
  gapExpected: number;
  gapGot: number;
  /** Key of the last event rejected as an absurd jump, -1 when none is pending. */
  jumpSuspect: number;
  /** Events rejected as absurd jumps. */
  jumps: number;
}

export function newStreamState(name: string): StreamState {
  const kind = streamKind(name);
  const strict = kind === 'trade' || kind === 'aggTrade' || kind === 'bookTicker' || kind === 'depth';
  return {
    name,
    kind,
    symbol: streamSymbol(name),
    strict,
    contiguous: kind === 'trade' || kind === 'aggTrade' || kind === 'depth',
    last: -1,
    epoch: -1,
    delivered: 0,
    duplicates: 0,
    gaps: 0,
    gapExpected: -1,
    gapGot: -1,
    jumpSuspect: -1,
    jumps: 0,
  };
}

// Payloads are validated before they get here, so the fields read below exist.
type Payload = any;

function seqKey(kind: StreamKind, d: Payload): number {
  switch (kind) {
    case 'trade':
      return d.t;
    case 'aggTrade':
      return d.a;
    case 'bookTicker':
    case 'depth':
      return d.u;
    case 'depthN':
      return typeof d.lastUpdateId === 'number' ? d.lastUpdateId : d.u;
    default:
      return typeof d.E === 'number' ? d.E : -1;
  }
}

/**
 * The lowest key an event covers: a diff-depth event spans `U..u` (USD-M: it follows `pu`), so
 * overlap and gaps are judged from its start, not its end.
 */
export function seqLow(kind: StreamKind, d: Payload, market: Market): number {
  if (kind === 'depth') return market === 'usdm' ? d.pu + 1 : d.U;
  return seqKey(kind, d);
}

/**
 * Decides whether an event is delivered. `epoch` identifies the socket it came from; `replay`
 * marks events buffered from a rotation candidate, checked against what the old socket delivered.
 */
export function acceptEvent(st: StreamState, d: Payload, market: Market, epoch: number, replay: boolean): number {
  const key = seqKey(st.kind, d);
  let result = ACCEPT;
  if (st.epoch !== epoch) {
    // A fresh socket after a reconnect (not a rotation) that starts below what we have seen can
    // only mean the venue restarted its ids; treating it as duplicates would mute the stream.
    if (!replay && st.strict && key >= 0 && st.last >= 0 && key <= st.last) {
      st.last = -1;
      result = RESET;
    }
    st.epoch = epoch;
  }
  if (key < 0) {
    st.delivered++;
    return result;
  }
  const last = st.last;
  if (st.strict && last >= 0 && key - last > MAX_ID_JUMP) {
    const suspect = st.jumpSuspect;
    if (suspect < 0 || key <= suspect || key - suspect > MAX_ID_JUMP) {
      st.jumpSuspect = key;
      st.jumps++;
      return ID_JUMP;
    }
    // Two events agree on the new place: the venue moved its ids, follow it.
    st.jumpSuspect = -1;
    st.last = key;
    st.delivered++;
    return RESET;
  }
  st.jumpSuspect = -1;
  if (last >= 0) {
    if ((st.strict || replay) && key <= last) {
      st.duplicates++;
      return DUPLICATE;
    }
    if (st.contiguous) {
      let skipped = false;
      if (st.kind === 'depth') {
        skipped = market === 'usdm' ? d.pu !== last : d.U > last + 1;
      } else {
        skipped = key > last + 1;
      }
      if (skipped) {
        st.gaps++;
        st.gapExpected = last + 1;
        st.gapGot = seqLow(st.kind, d, market);
        result = GAP;
      }
    }
  }
  if (key > last) st.last = key;
  st.delivered++;
  return result;
}

/**
 * Whether the old socket has already delivered up to where a candidate's first event starts, so
 * switching to the candidate loses nothing on this stream.
 */
export function overlapReached(st: StreamState, low: number): boolean {
  if (st.last < 0) return true;
  return st.contiguous ? st.last >= low - 1 : st.last >= low;
}
