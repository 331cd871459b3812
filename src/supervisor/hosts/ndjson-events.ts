// `events: stdout-ndjson`: a process probe's stdout lines that are JSON objects become probe
// events and counters. Every such line goes through `onEventLine`, the one place that reads them.
import type { Bus } from '../../bus/bus.ts';
import type { ProbeMetrics } from './probe-metrics.ts';

/**
 * `{"event":"disconnect","scheduled":false,…}` becomes a probe event of that kind. A
 * `counters`/`gauges` object on a line sets those values; disconnects are also counted as
 * `drops.scheduled`/`drops.unscheduled`, and every event kind as `events.<kind>`.
 */
export function onEventLine(line: string, probe: string, metrics: ProbeMetrics, bus: Bus): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return;
  const { event, t, counters, gauges, ...data } = parsed as Record<string, unknown>;
  metrics.setFromEvent(counters, gauges);
  if (typeof event === 'string' && event !== '' && event !== 'counters') {
    metrics.bump(`events.${event}`);
    if (event === 'disconnect') metrics.bump(data.scheduled === true ? 'drops.scheduled' : 'drops.unscheduled');
    bus.emit('event', { t: typeof t === 'number' ? t : Date.now(), probe, kind: event, data });
  }
}
