// Control frames (SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY, GET_PROPERTY) and the
// error shapes of the spot "Error Messages" table. Ids are echoed byte for byte: a 64-bit integer
// id is taken from the JSON source text, since JSON.parse would round it.
import { parseStream, type Market, type StreamSpec } from './streams.ts';

export interface ControlTarget {
  readonly market: Market;
  combined: boolean;
  list(): string[];
  /** False when the connection would exceed its stream limit (nothing is subscribed then). */
  subscribe(specs: StreamSpec[]): boolean;
  unsubscribe(specs: StreamSpec[]): void;
}

export interface ControlOutcome {
  reply: string;
  /** Invalid JSON: Binance answers, then drops the connection. */
  close?: boolean;
}

const METHODS = ['SUBSCRIBE', 'UNSUBSCRIBE', 'LIST_SUBSCRIPTIONS', 'SET_PROPERTY', 'GET_PROPERTY'];
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const STRING_ID = /^[A-Za-z0-9]{0,36}$/;

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

export function handleControl(text: string, target: ControlTarget): ControlOutcome {
  const idSources = new WeakMap<object, string>();
  let msg: unknown;
  try {
    const reviver: Reviver = function (key, value, context) {
      if (key === 'id' && typeof value === 'number' && context?.source && this && typeof this === 'object') {
        idSources.set(this, context.source);
      }
      return value;
    };
    msg = JSON.parse(text, reviver as (key: string, value: unknown) => unknown);
  } catch (err) {
    const where = /line (\d+) column (\d+)/.exec((err as Error).message);
    const at = where ? `line ${where[1]} column ${where[2]}` : `line 1 column ${Math.max(1, text.length)}`;
    return { reply: error(3, `Invalid JSON: expected value at ${at}`, 'null'), close: true };
  }
  const end = `line 1 column ${text.length}`;
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    return { reply: error(2, `Invalid request: missing field \`method\` at ${end}`, 'null') };
  }
  const req = msg as Record<string, unknown>;
  const id = idJson(req, idSources.get(req));
  if (!('method' in req)) return { reply: error(2, `Invalid request: missing field \`method\` at ${end}`, id ?? 'null') };
  const method = req.method;
  if (typeof method !== 'string' || !METHODS.includes(method)) {
    const shown = typeof method === 'string' ? method : JSON.stringify(method);
    const list = METHODS.map((m) => `\`${m}\``).join(', ');
    return { reply: error(2, `Invalid request: unknown variant \`${shown}\`, expected one of ${list} at ${end}`, id ?? 'null') };
  }
  if (id === undefined) return { reply: error(2, 'Invalid request: request ID must be an unsigned integer', 'null') };
  const params = req.params;
  if (params !== undefined && !Array.isArray(params)) {
    return { reply: error(2, 'Invalid request: invalid type: expected a sequence', id) };
  }
  const args: unknown[] = params ?? [];

  switch (method) {
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE': {
      if (params === undefined) return { reply: error(2, 'Invalid request: missing field `params`', id) };
      const specs: StreamSpec[] = [];
      for (const name of args) {
        const spec = typeof name === 'string' ? parseStream(name, target.market) : undefined;
        if (!spec) return { reply: error(2, 'Invalid request: invalid stream', id) };
        specs.push(spec);
      }
      if (method === 'UNSUBSCRIBE') target.unsubscribe(specs);
      else if (!target.subscribe(specs)) return { reply: error(2, 'Invalid request: too many streams', id) };
      return { reply: result('null', id) };
    }
    case 'LIST_SUBSCRIPTIONS':
      if (args.length > 0) return { reply: error(2, 'Invalid request: too many parameters', id) };
      return { reply: result(JSON.stringify(target.list()), id) };
    case 'SET_PROPERTY': {
      if (typeof args[0] !== 'string') return { reply: error(2, 'Invalid request: property name must be a string', id) };
      if (args.length > 2) return { reply: error(2, 'Invalid request: too many parameters', id) };
      if (args[0] !== 'combined') return { reply: error(0, 'Unknown property', id) };
      if (typeof args[1] !== 'boolean') return { reply: error(1, 'Invalid value type: expected Boolean', id) };
      target.combined = args[1];
      return { reply: result('null', id) };
    }
    default: {
      if (typeof args[0] !== 'string') return { reply: error(2, 'Invalid request: property name must be a string', id) };
      if (args.length > 1) return { reply: error(2, 'Invalid request: too many parameters', id) };
      if (args[0] !== 'combined') return { reply: error(0, 'Unknown property', id) };
      return { reply: result(String(target.combined), id) };
    }
  }
}

/** The id as JSON to echo, or undefined when missing or of a type Binance rejects. */
function idJson(req: Record<string, unknown>, source: string | undefined): string | undefined {
  if (!('id' in req)) return undefined;
  const id = req.id;
  if (id === null) return 'null';
  if (typeof id === 'string') return STRING_ID.test(id) ? JSON.stringify(id) : undefined;
  if (typeof id === 'number' && source !== undefined && /^-?\d+$/.test(source)) {
    const big = BigInt(source);
    return big >= INT64_MIN && big <= INT64_MAX ? source : undefined;
  }
  return undefined;
}

function result(json: string, id: string): string {
  return `{"result":${json},"id":${id}}`;
}

function error(code: number, msg: string, id: string): string {
  return `{"error":{"code":${code},"msg":${JSON.stringify(msg)}},"id":${id}}`;
}
