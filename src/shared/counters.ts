// Counter names with a meaning beyond one probe kind: the verdict, the metrics, the progress line,
// the report and the probes all spell them from here. A kind may report more (its descriptor
// declares them); these are the ones shared code reads.
export const COUNTERS = {
  /** Stream messages received; `msg_rate` is its rate. */
  messages: 'messages',
  /** Logical WebSocket reconnects (a blip that drops several channels at once counts once). */
  wsReconnects: 'ws_reconnects',
  dropsScheduled: 'drops.scheduled',
  dropsUnscheduled: 'drops.unscheduled',
  /** Operations the probe asked for, retries of one counting once (`error_rate`'s denominator; README "Error rate"). */
  operations: 'operations',
  /** Operations that finally failed (`error_rate`'s numerator). */
  operationsFailed: 'operations_failed',
  /** Attempts (requests) and failures of any kind: `error_rate` for kinds that count no operations. */
  requests: 'requests',
  errors: 'errors',
  ordersPlaced: 'orders.placed',
  ordersModified: 'orders.modified',
  ordersCancelled: 'orders.cancelled',
} as const;
