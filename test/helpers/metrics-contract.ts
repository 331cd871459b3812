// The series names of the metrics contract (README / docs/metrics.md), for the tests that check it.
export const PER_PROBE = [
  'exsoak_probe_heap_used_bytes',
  'exsoak_probe_heap_floor_bytes',
  'exsoak_probe_heap_total_bytes',
  'exsoak_probe_external_bytes',
  'exsoak_probe_elu',
  'exsoak_probe_thread_cpu_percent',
  'exsoak_probe_up',
  'exsoak_probe_reconnects_total',
  'exsoak_probe_drops_total',
  'exsoak_probe_orders_total',
  'exsoak_probe_errors_total',
  'exsoak_probe_messages_total',
];

export const CONTRACT = [
  'process_memory_rss_bytes',
  'process_cpu_percent',
  'binance_messages_received_total',
  ...PER_PROBE,
  'exsoak_probe_state',
];
