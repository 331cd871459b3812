// How long the sampler may go without a tick before the run's verdict cannot stand on its
// samples (#26.7): 14 s without a sample is 14 s in which no abortOnFail threshold could fire and
// a flooding probe could hide anything. The sampler says such a gap at once (not only after three
// late ticks) and the verdict fails the process scope's "sampler kept its interval" on it.
const MIN_FAILING_GAP_MS = 10_000;

/** Whether a gap between two sampler ticks is too long for the run's samples to be trusted. */
export function samplerGapFails(gapMs: number, intervalMs: number): boolean {
  return gapMs > Math.max(MIN_FAILING_GAP_MS, 5 * intervalMs);
}
