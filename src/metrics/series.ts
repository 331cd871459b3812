// The Prometheus series of a run (names are a contract: docs/metrics.md) and how bus messages
// move them. Kept apart from the HTTP server so the mapping can be tested without sockets.
import { Counter, Gauge, collectDefaultMetrics, type Registry } from './prom.ts';
import type { ProbeEvent, RunInfo, Sample } from '../bus/types.ts';
import { MonotonicDeltas } from './monotonic.ts';

/** Prefix of prom-client's own process metrics, so they cannot clash with the series below. */
export const DEFAULT_METRICS_PREFIX = 'exsoak_supervisor_';

type ProbeLabels = 'probe';

/** Probe counters (cumulative in `sample.counters`) → Prometheus counter and extra labels. */
const COUNTER_SERIES = [
  { counter: 'ws_reconnects', series: 'reconnects', labels: {} },
  { counter: 'drops.scheduled', series: 'drops', labels: { kind: 'scheduled' } },
  { counter: 'drops.unscheduled', series: 'drops', labels: { kind: 'unscheduled' } },
  { counter: 'orders.placed', series: 'orders', labels: { action: 'placed' } },
  { counter: 'orders.modified', series: 'orders', labels: { action: 'modified' } },
  { counter: 'orders.cancelled', series: 'orders', labels: { action: 'cancelled' } },
  { counter: 'errors', series: 'errors', labels: {} },
  { counter: 'messages', series: 'messages', labels: {} },
] as const;

export class RunSeries {
  private readonly deltas = new MonotonicDeltas();
  private readonly kinds = new Map<string, string>();
  /** Probes that have ended (exit or crash): a late sample must not mark them up again. */
  private readonly ended = new Set<string>();

  readonly rss: Gauge;
  readonly cpu: Gauge;
  readonly binanceMessages: Counter<ProbeLabels>;
  readonly heapUsed: Gauge<ProbeLabels>;
  readonly heapFloor: Gauge<ProbeLabels>;
  readonly heapTotal: Gauge<ProbeLabels>;
  readonly external: Gauge<ProbeLabels>;
  readonly elu: Gauge<ProbeLabels>;
  readonly threadCpu: Gauge<ProbeLabels>;
  readonly up: Gauge<ProbeLabels>;
  readonly unresponsive: Gauge<ProbeLabels>;
  readonly state: Gauge<ProbeLabels>;
  readonly info: Gauge<'probe' | 'kind'>;
  readonly events: Counter<'probe' | 'kind'>;
  readonly runInfo: Gauge<'scenario' | 'run_id' | 'host'>;
  readonly runStart: Gauge;
  readonly runDuration: Gauge;
  readonly counters: Record<'reconnects' | 'drops' | 'orders' | 'errors' | 'messages', Counter<string>>;

  constructor(registry: Registry) {
    const registers = [registry];
    const gauge = <L extends string>(name: string, help: string, labelNames: L[] = []) => new Gauge<L>({ name, help, labelNames, registers });
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) => new Counter<L>({ name, help, labelNames, registers });
    this.rss = gauge('process_memory_rss_bytes', 'Resident set size of the exsoak process (all probe workers and the supervisor), bytes.');
    this.cpu = gauge('process_cpu_percent', 'CPU use of the exsoak process over the last sample interval, percent of one core (can exceed 100).');
    this.binanceMessages = counter('binance_messages_received_total', 'Messages received by Binance probes.', ['probe']);
    this.heapUsed = gauge('exsoak_probe_heap_used_bytes', "Used V8 heap of the probe's worker isolate, bytes.", ['probe']);
    this.heapFloor = gauge('exsoak_probe_heap_floor_bytes', "The probe's heap right after its last full GC (the floor of the sawtooth), bytes.", ['probe']);
    this.heapTotal = gauge('exsoak_probe_heap_total_bytes', "Total V8 heap reserved by the probe's worker isolate, bytes.", ['probe']);
    this.external = gauge('exsoak_probe_external_bytes', 'Memory outside the V8 heap held by the probe worker (Buffers, …), bytes.', ['probe']);
    this.elu = gauge('exsoak_probe_elu', "Event-loop utilisation of the probe's worker over the last interval, 0..1.", ['probe']);
    this.threadCpu = gauge('exsoak_probe_thread_cpu_percent', "CPU of the probe's worker thread over the last interval, percent of one core.", ['probe']);
    this.up = gauge('exsoak_probe_up', '1 while the probe runs, 0 before it starts and after it exits or crashes.', ['probe']);
    this.unresponsive = gauge('exsoak_probe_unresponsive', "1 while the probe's event loop is blocked (its runtime stopped reporting).", ['probe']);
    this.state = gauge('exsoak_probe_state', "The probe's `state` gauge (e.g. the Bitunix executor's state index).", ['probe']);
    this.info = gauge('exsoak_probe_info', 'Always 1: the probe and its kind.', ['probe', 'kind']);
    this.events = counter('exsoak_probe_events_total', 'Probe events by kind (start, exit, crash, breach, connect, disconnect, …).', ['probe', 'kind']);
    this.runInfo = gauge('exsoak_run_info', 'Always 1: the running scenario, its run id (results folder name) and host.', ['scenario', 'run_id', 'host']);
    this.runStart = gauge('exsoak_run_start_time_seconds', 'When the run started, Unix time in seconds.');
    this.runDuration = gauge('exsoak_run_planned_duration_seconds', "The run's planned duration, seconds.");
    this.counters = {
      reconnects: counter('exsoak_probe_reconnects_total', 'WebSocket reconnects of the probe (counter ws_reconnects).', ['probe']),
      drops: counter('exsoak_probe_drops_total', 'Connections dropped under the probe, by kind: scheduled (rotation, 24 h limit) or unscheduled.', ['probe', 'kind']),
      orders: counter('exsoak_probe_orders_total', 'Orders by action: placed, modified, cancelled.', ['probe', 'action']),
      errors: counter('exsoak_probe_errors_total', 'Errors the probe counted (failed requests, stream errors).', ['probe']),
      messages: counter('exsoak_probe_messages_total', 'Messages the probe received (counter messages).', ['probe']),
    };
    collectDefaultMetrics(registry, DEFAULT_METRICS_PREFIX);
    // Until the first process sample, the process's own reading beats a misleading 0.
    this.rss.set(process.memoryUsage.rss());
  }

  private knowProbe(probe: string, kind: string | undefined): void {
    if (kind !== undefined && this.kinds.get(probe) !== kind) {
      this.kinds.set(probe, kind);
      this.info.set({ probe, kind }, 1);
      if (kind === 'binance') this.binanceMessages.inc({ probe }, 0);
    }
  }

  onRunStart(info: RunInfo): void {
    this.runInfo.set({ scenario: info.scenario, run_id: info.runId ?? '', host: info.host ?? '' }, 1);
    this.runStart.set(info.startedAt / 1000);
    this.runDuration.set(info.durationMs / 1000);
    for (const { name, kind } of info.probes) {
      this.knowProbe(name, kind);
      // Every series exists from the start, at zero: "absent" and "none yet" read the same in PromQL otherwise.
      this.up.set({ probe: name }, 0);
      this.unresponsive.set({ probe: name }, 0);
      for (const c of COUNTER_SERIES) this.counters[c.series].inc({ probe: name, ...c.labels }, 0);
    }
  }

  onSample(s: Sample): void {
    if (s.probe === 'process') {
      this.rss.set(s.rss);
      this.cpu.set(s.cpu);
      return;
    }
    const probe = s.probe;
    const labels = { probe };
    if (!this.ended.has(probe)) this.up.set(labels, 1);
    this.unresponsive.set(labels, s.unresponsive ? 1 : 0);
    if (s.heapUsed !== null) this.heapUsed.set(labels, s.heapUsed);
    if (s.heapTotal !== null) this.heapTotal.set(labels, s.heapTotal);
    if (s.external !== null) this.external.set(labels, s.external);
    if (s.heapFloor !== null) this.heapFloor.set(labels, s.heapFloor);
    if (s.elu !== null) this.elu.set(labels, s.elu);
    if (s.threadCpu !== null) this.threadCpu.set(labels, s.threadCpu);
    if (typeof s.gauges.state === 'number' && Number.isFinite(s.gauges.state)) this.state.set(labels, s.gauges.state);
    // One total lower than before means the probe's counters all started over: the others'
    // totals are new too, even where they happen to be no lower than before.
    if (COUNTER_SERIES.some((c) => s.counters[c.counter] !== undefined && this.deltas.wentDown(`${probe}\u0000${c.counter}`, s.counters[c.counter]!))) {
      this.deltas.reset(`${probe}\u0000`);
    }
    for (const c of COUNTER_SERIES) {
      const value = s.counters[c.counter];
      if (value === undefined) continue;
      const delta = this.deltas.delta(`${probe}\u0000${c.counter}`, value);
      this.counters[c.series].inc({ probe, ...c.labels }, delta);
      if (c.counter === 'messages' && this.kinds.get(probe) === 'binance') this.binanceMessages.inc(labels, delta);
    }
  }

  onEvent(e: ProbeEvent): void {
    this.events.inc({ probe: e.probe, kind: e.kind });
    if (e.kind === 'start') {
      this.knowProbe(e.probe, typeof e.data?.kind === 'string' ? e.data.kind : undefined);
      this.ended.delete(e.probe);
      // A (re)started probe counts from zero again.
      this.deltas.reset(`${e.probe}\u0000`);
      this.up.set({ probe: e.probe }, 1);
    } else if (e.kind === 'exit' || e.kind === 'crash') {
      this.ended.add(e.probe);
      this.up.set({ probe: e.probe }, 0);
      this.unresponsive.set({ probe: e.probe }, 0);
    } else if (e.kind === 'unresponsive') {
      this.unresponsive.set({ probe: e.probe }, 1);
    } else if (e.kind === 'responsive') {
      this.unresponsive.set({ probe: e.probe }, 0);
    }
  }
}
