// `bisect`: runs each probe alone, all together, and each probe's feature switches alone, then
// ranks the variants by heap-floor slope. A leak that only shows with two probes side by side,
// or only with one stream type, is found by elimination rather than by reading code.
import path from 'node:path';
import type { LoadedScenario, ResolvedProbe } from '../scenario/load.ts';
import { probeKind } from '../probes/index.ts';
import type { LeakReport } from '../bus/verdict.ts';
import { runSoak } from './run.ts';

export interface BisectVariant {
  label: string;
  probes: ResolvedProbe[];
}

export interface BisectRow {
  variant: string;
  probe: string;
  status: LeakReport['status'];
  slopeMbPerH: number | null;
  lowMbPerH: number | null;
  highMbPerH: number | null;
  pValue: number | null;
  dir: string;
}

export function bisectVariants(loaded: LoadedScenario): BisectVariant[] {
  const variants: BisectVariant[] = [];
  for (const probe of loaded.probes) {
    variants.push({ label: `${probe.name} alone`, probes: [probe] });
    for (const feature of probeKind(probe.kind)?.bisectVariants?.(probe.options, probe.own) ?? []) {
      variants.push({ label: `${probe.name} ${feature.label}`, probes: [{ ...probe, options: feature.options }] });
    }
  }
  if (loaded.probes.length > 1) variants.push({ label: 'all together', probes: loaded.probes });
  return variants;
}

export async function runBisect(
  loaded: LoadedScenario,
  opts: { dir: string; onVariant?: (label: string, index: number, total: number) => void; interrupt?: AbortSignal },
): Promise<BisectRow[]> {
  const rows: BisectRow[] = [];
  const variants = bisectVariants(loaded);
  for (const [index, variant] of variants.entries()) {
    if (opts.interrupt?.aborted) break;
    opts.onVariant?.(variant.label, index, variants.length);
    const subset: LoadedScenario = {
      ...loaded,
      probes: variant.probes,
      scenario: {
        ...loaded.scenario,
        // Bisect measures; it does not abort on the scenario's thresholds.
        probes: Object.fromEntries(variant.probes.map((p) => [p.name, { ...p.spec, thresholds: [] }])),
        process: { thresholds: [] },
        metrics: { ...loaded.scenario.metrics, port: 0 },
      },
    };
    const out = path.join(opts.dir, String(index + 1).padStart(2, '0') + '-' + variant.label.replace(/[^a-z0-9]+/gi, '-'));
    const outcome = await runSoak({ loaded: subset, out, progress: false, stderrLevel: 'warn', interrupt: opts.interrupt });
    for (const [probe, verdict] of Object.entries(outcome.verdict.probes)) {
      const leak = verdict.leak;
      rows.push({
        variant: variant.label,
        probe,
        status: leak?.status ?? 'insufficient-data',
        slopeMbPerH: leak?.slopeMbPerH ?? null,
        lowMbPerH: leak?.lowMbPerH ?? null,
        highMbPerH: leak?.highMbPerH ?? null,
        pValue: leak?.pValue ?? null,
        dir: outcome.dir,
      });
    }
  }
  // Ranked by the slope's lower bound: the variants that leak *for sure* come first.
  return rows.sort((a, b) => (b.lowMbPerH ?? -Infinity) - (a.lowMbPerH ?? -Infinity));
}

export function formatBisect(rows: BisectRow[]): string {
  const header = ['rank', 'variant', 'probe', 'slope MB/h', '95% interval', 'p', 'status'];
  const body = rows.map((r, i) => [
    String(i + 1),
    r.variant,
    r.probe,
    r.slopeMbPerH === null ? '—' : r.slopeMbPerH.toFixed(2),
    r.lowMbPerH === null ? '—' : `[${r.lowMbPerH.toFixed(2)}, ${r.highMbPerH!.toFixed(2)}]`,
    r.pValue === null ? '—' : r.pValue.toPrecision(2),
    r.status,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  return [header, ...body].map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n') + '\n';
}
