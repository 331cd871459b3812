// What each fault kind does to this simulator. The injector (../faults.ts) decides when and logs
// every firing; the detail returned here names the connections it touched so a test can match a
// client's disconnect or gap to the fault that caused it.
import type { FaultHandler, FaultKind, FaultSpec } from '../faults.ts';
import { CLOSE, effectiveCloseCode, type Connection } from './connection.ts';
import type { SimServer } from './server.ts';
import type { Market, StreamSpec } from './streams.ts';

const DEFAULTS = {
  stallMs: 30_000,
  latencyDelayMs: 1000,
  latencyMs: 30_000,
  restartDownMs: 1000,
  skewMs: 1000,
  skewDurationMs: 60_000,
  burstCount: 1000,
  oversizedBytes: 1024 * 1024,
};

/** 'all' (default), 'one' (the oldest connection) or a URL path prefix such as '/stream'. */
function targets(sim: SimServer, target: string | undefined): Connection[] {
  const open = sim.connections();
  if (target === undefined || target === 'all') return open;
  if (target === 'one') return open.slice(0, 1);
  return open.filter((conn) => conn.path.startsWith(target));
}

const ids = (conns: Connection[]) => conns.map((c) => c.id);

/** A frame in the connection's own framing that looks like its first stream's data. */
function streamName(conn: Connection): string {
  return conn.streams()[0]?.name ?? 'btcusdt@trade';
}

export function faultHandlers(sim: SimServer): Partial<Record<FaultKind, FaultHandler>> {
  const each = (spec: FaultSpec, act: (conn: Connection) => boolean | void) => {
    const touched = targets(sim, spec.target).filter((conn) => act(conn) !== false);
    return { connections: ids(touched) };
  };
  return {
    drop: (spec) => {
      const code = effectiveCloseCode(spec.code ?? 1006);
      return { code, ...each(spec, (conn) => conn.close(code, 'Fault: drop')) };
    },
    reset: (spec) => each(spec, (conn) => conn.reset()),
    stall: (spec) => {
      const duration = spec.duration ?? DEFAULTS.stallMs;
      return { duration, ...each(spec, (conn) => conn.stall(duration)) };
    },
    malformed: (spec) => each(spec, (conn) => conn.sendOther(['{"e":"trade","E":<html>502 Bad Gateway</html>'])),
    truncated: (spec) =>
      each(spec, (conn) => {
        const name = streamName(conn);
        const data = `{"e":"trade","E":${sim.clock()},"s":"${name.split('@')[0]!.toUpperCase()}","t":`;
        return conn.sendOther([conn.combined ? `{"stream":"${name}","data":${data}` : data]);
      }),
    oversized: (spec) => {
      const bytes = spec.bytes ?? DEFAULTS.oversizedBytes;
      return {
        bytes,
        ...each(spec, (conn) => {
          const head = `{"e":"oversized","E":${sim.clock()},"pad":"`;
          const data = head + 'x'.repeat(Math.max(0, bytes + 1 - head.length - 2)) + '"}';
          return conn.sendOther([conn.combined ? `{"stream":"${streamName(conn)}","data":${data}}` : data]);
        }),
      };
    },
    burst: (spec) => {
      const count = spec.count ?? DEFAULTS.burstCount;
      const streams = new Map<string, [Market, StreamSpec]>();
      for (const conn of targets(sim, spec.target)) {
        for (const s of conn.streams()) streams.set(conn.market + ':' + s.name, [conn.market, s]);
      }
      const names = sim.hub.burst(streams.values(), count);
      // Ids are shared, so every subscriber of a burst stream gets the burst, not only the target.
      const reached = sim.connections().filter((conn) => conn.streams().some((s) => streams.has(conn.market + ':' + s.name)));
      return { count, streams: names, connections: ids(reached) };
    },
    latency: (spec) => {
      const delay = spec.delay ?? DEFAULTS.latencyDelayMs;
      const duration = spec.duration ?? DEFAULTS.latencyMs;
      const rest = spec.target === undefined || spec.target === 'all' || /^\/(api|fapi)\//.test(spec.target);
      if (rest) sim.delayRest(delay, duration);
      return { delay, duration, rest, ...each(spec, (conn) => conn.latency(delay, duration)) };
    },
    http5xx: (spec) => {
      const count = spec.count ?? 1;
      const status = spec.status ?? 503;
      sim.failRest(count, {
        status,
        body: JSON.stringify({ code: -1001, msg: 'Internal error; unable to process your request. Please try again.' }),
      });
      return { count, status };
    },
    http429: (spec) => {
      const count = spec.count ?? 1;
      sim.failRest(count, {
        status: 429,
        headers: { 'Retry-After': '1' },
        body: JSON.stringify({ code: -1003, msg: 'Too many requests; current limit of IP is 6000 requests per minute.' }),
      });
      return { count, status: 429 };
    },
    clockSkew: (spec) => {
      const delay = spec.delay ?? DEFAULTS.skewMs;
      const duration = spec.duration ?? DEFAULTS.skewDurationMs;
      sim.skewClock(delay, duration);
      return { delay, duration };
    },
    shutdown: (spec) => {
      const code = effectiveCloseCode(spec.code ?? CLOSE.shutdown.code);
      // `delay`: notice between the announcement and the close (Binance gives ~10 min).
      const grace = spec.delay ?? 0;
      return { code, ...each(spec, (conn) => conn.shutdown(code, CLOSE.shutdown.reason, grace)) };
    },
    restart: (spec) => {
      const duration = spec.duration ?? DEFAULTS.restartDownMs;
      const code = effectiveCloseCode(spec.code ?? 1012);
      return { duration, code, connections: sim.restart(duration, code) };
    },
  };
}
