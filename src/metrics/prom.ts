// prom-client without what its index loads and exsoak never uses: the Pushgateway (https, TLS,
// zlib), the cluster aggregator, and the process-CPU default metric, whose exemplar support
// loads @opentelemetry/api (51 modules). Measured (bare Node 42 MB RSS): the index 63 MB, these
// parts with the other default metrics 50 MB. The CPU counters are rebuilt below under the same
// names, help and values, without exemplars, so `exsoak_supervisor_process_cpu_*` stays.
import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';

const require = createRequire(import.meta.url);
const lib = (file: string): unknown => require(`prom-client/lib/${file}`);

export const Registry = lib('registry') as typeof Prom.Registry;
export const Counter = lib('counter') as typeof Prom.Counter;
export const Gauge = lib('gauge') as typeof Prom.Gauge;
export type Registry = Prom.Registry;
export type Counter<T extends string = string> = Prom.Counter<T>;
export type Gauge<T extends string = string> = Prom.Gauge<T>;

type DefaultMetric = (registry: Prom.Registry, config: Record<string, unknown>) => void;

// prom-client's own list (lib/defaultMetrics.js) minus processCpuTotal.
const DEFAULT_METRICS = [
  'processStartTime',
  'osMemoryHeap',
  'processOpenFileDescriptors',
  'processMaxFileDescriptors',
  'eventLoopLag',
  'processResources',
  'processHandles',
  'processRequests',
  'heapSizeAndUsed',
  'heapSpacesSizeAndUsed',
  'version',
  'gc',
];

/** What prom-client's collectDefaultMetrics({ register, prefix }) registers. */
export function collectDefaultMetrics(registry: Prom.Registry, prefix: string): void {
  const config = { eventLoopMonitoringPrecision: 10, prefix };
  processCpu(registry, prefix);
  for (const name of DEFAULT_METRICS) {
    if (name === 'processResources' && typeof process.getActiveResourcesInfo !== 'function') continue;
    (lib(`metrics/${name}`) as DefaultMetric)(registry, config);
  }
}

function processCpu(registry: Prom.Registry, prefix: string): void {
  let last = process.cpuUsage();
  const registers = [registry];
  const system = new Counter({ name: `${prefix}process_cpu_system_seconds_total`, help: 'Total system CPU time spent in seconds.', registers });
  const total = new Counter({ name: `${prefix}process_cpu_seconds_total`, help: 'Total user and system CPU time spent in seconds.', registers });
  new Counter({
    name: `${prefix}process_cpu_user_seconds_total`,
    help: 'Total user CPU time spent in seconds.',
    registers,
    // One collect sets all three, as prom-client's does: they read the same instant.
    collect() {
      const now = process.cpuUsage();
      const user = (now.user - last.user) / 1e6;
      const sys = (now.system - last.system) / 1e6;
      last = now;
      this.inc(user);
      system.inc(sys);
      total.inc(user + sys);
    },
  });
}
