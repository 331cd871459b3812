// How long a leak check needs, from the scenario's settings alone: shared by the detector (its
// "a run of at least … would be needed") and the CLI (refusing a --duration that cannot conclude).

/** Below this many heap-floor points after the warm-up the trend is not computed. */
export const MIN_POINTS = 6;

export interface LeakTiming {
  warmupMs: number;
  budgetBytes: number;
  nominalMs: number;
  minGrowthBytes: number;
  confirmations: number;
  /** How often a heap-floor point arrives (max of the sample and GC-floor intervals). */
  cadenceMs?: number;
}

/**
 * The shortest run that could confirm a leak growing at the budget's own pace (budget ÷ nominal
 * duration): the warm-up, enough points for the trend, the observed-growth guard at that pace,
 * then the confirmations. A faster leak is confirmed sooner; a slower one is within budget.
 */
export function neededRunMs(s: LeakTiming): number {
  const cadence = s.cadenceMs ?? 1000;
  const budgetPerMs = s.budgetBytes / Math.max(1, s.nominalMs);
  const toSee = Math.max(MIN_POINTS * cadence, budgetPerMs > 0 ? s.minGrowthBytes / budgetPerMs : 0);
  return Math.ceil(s.warmupMs + toSee + s.confirmations * cadence);
}

/** The shortest run that can give any verdict at all on the trend (not one at the budget's pace). */
export function minimumRunMs(s: Pick<LeakTiming, 'warmupMs' | 'confirmations' | 'cadenceMs'>): number {
  const cadence = s.cadenceMs ?? 1000;
  return Math.ceil(s.warmupMs + (MIN_POINTS + s.confirmations) * cadence);
}
