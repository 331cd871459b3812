// A long scenario run with a shorter --duration ("the 24 h soak, compressed") keeps its long
// budget (leak budgets project over the nominal duration) but must sample densely enough to
// conclude inside the short run: a 60 s sample interval and a 5-minute warm-up leave a 2-minute
// run with two samples. Intervals and warm-up shrink with the duration, within floors that keep
// sampling cheap and the warm-up long enough for a client to settle; a value given by a flag
// (--sample-interval) is the user's and is kept.
import type { Scenario } from './schema.ts';
import { formatDuration } from '../shared/units.ts';
import { minimumRunMs } from '../shared/leak-timing.ts';

const MIN_SAMPLE_MS = 1000;
const MIN_GC_FLOOR_MS = 2000;
const MIN_WARMUP_MS = 10_000;
/** The warm-up never shrinks below this share of the compressed run (clients settle in real time). */
const WARMUP_SHARE = 0.15;

export interface Compression {
  fromMs: number;
  toMs: number;
  /** key -> [before, after], only for the keys that changed. */
  scaled: Record<string, [number, number]>;
}

export function compressScenario(scenario: Scenario, fromMs: number, explicit: { sampleInterval: boolean }): { scenario: Scenario; compression?: Compression } {
  const toMs = scenario.duration;
  if (!(toMs < fromMs)) return { scenario };
  const ratio = toMs / fromMs;
  const scale = (v: number, floor: number) => Math.max(Math.min(v, floor), Math.round(v * ratio));
  const scaled: Record<string, [number, number]> = {};
  const set = (key: string, before: number, after: number) => {
    if (after !== before) scaled[key] = [before, after];
    return after;
  };
  const sampleInterval = explicit.sampleInterval ? scenario.sampleInterval : set('sampleInterval', scenario.sampleInterval, scale(scenario.sampleInterval, MIN_SAMPLE_MS));
  const gcFloorInterval = scenario.gcFloorInterval === 0 ? 0 : set('gcFloorInterval', scenario.gcFloorInterval, scale(scenario.gcFloorInterval, MIN_GC_FLOOR_MS));
  const warmup = set('leak.warmup', scenario.leak.warmup, scale(scenario.leak.warmup, Math.max(MIN_WARMUP_MS, Math.round(toMs * WARMUP_SHARE))));
  return {
    scenario: { ...scenario, sampleInterval, gcFloorInterval, leak: { ...scenario.leak, warmup } },
    compression: { fromMs, toMs, scaled },
  };
}

/** How often a heap-floor point can arrive: a sample carries the floor of the last forced full GC. */
export function floorCadenceMs(scenario: Pick<Scenario, 'sampleInterval' | 'gcFloorInterval'>): number {
  return Math.max(scenario.sampleInterval, scenario.gcFloorInterval);
}

/** The shortest run whose leak check can conclude anything at these settings. */
export function minimumConclusiveMs(scenario: Scenario): number {
  return minimumRunMs({ warmupMs: scenario.leak.warmup, confirmations: scenario.leak.confirmations, cadenceMs: floorCadenceMs(scenario) });
}

export function describeCompression(c: Compression): string {
  const keys = Object.entries(c.scaled).map(([k, [a, b]]) => `${k} ${formatDuration(a)} → ${formatDuration(b)}`);
  return `compressed ${formatDuration(c.fromMs)} → ${formatDuration(c.toMs)} (leak budgets still project over the nominal duration)${keys.length ? `; scaled ${keys.join(', ')}` : ''}`;
}

/** How much of the scenario's nominal time one second of the run stands for: nominalDuration ÷ duration, at least 1. */
export function timeScaleOf(scenario: Pick<Scenario, 'duration' | 'nominalDuration'>): number {
  return Math.max(1, (scenario.nominalDuration ?? scenario.duration) / scenario.duration);
}
