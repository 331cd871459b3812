// `--duration` shorter than the leak check can conclude in is refused (exit 2, nothing started)
// with the minimum, unless --allow-inconclusive: a run that cannot judge must not look like a pass.
import type { LoadedScenario } from '../scenario/load.ts';
import { describeCompression, minimumConclusiveMs } from '../scenario/compress.ts';
import { formatDuration } from '../shared/units.ts';
import { UsageError } from './errors.ts';

export function checkConclusiveDuration(loaded: LoadedScenario, opts: { flag?: string; allow: boolean; out?: NodeJS.WritableStream }): void {
  if (opts.flag === undefined) return;
  const { scenario } = loaded;
  if (loaded.compression) opts.out?.write(`exsoak: ${describeCompression(loaded.compression)}\n`);
  const minimum = minimumConclusiveMs(scenario);
  if (scenario.duration >= minimum || opts.allow) return;
  throw new UsageError(
    `--duration ${opts.flag}: too short for the leak check to conclude anything: the ${formatDuration(scenario.leak.warmup)} warm-up ` +
      `plus ${6 + scenario.leak.confirmations} heap-floor points (one every ${formatDuration(Math.max(scenario.sampleInterval, scenario.gcFloorInterval))}) ` +
      `need at least --duration ${formatDuration(Math.ceil(minimum / 1000) * 1000)}; or pass --allow-inconclusive to run anyway`,
  );
}
