// The periodic report's leak check (the seed's "final < 1.5 × initial") and the verdict answer
// related questions about different subjects: the check reads a process's RSS at the end against
// its start; the verdict judges each probe's own memory (a worker's heap-floor trend, a process
// probe's own RSS trend) and the scenario's criteria. When the two disagree the summary says why,
// so a user never sees two answers to what looks like one question without the reason.
import type { PeriodicReport, MemoryFigures } from '../bus/report.ts';
import type { Verdict } from '../bus/verdict.ts';

const ratioText = (m: MemoryFigures) => `${m.leakCheck.ratio?.toFixed(2)} × initial (${m.initialMb} → ${m.currentMb} MB)`;

/** One sentence per disagreement between the final report's leak checks and the verdict. */
export function explainDisagreement(verdict: Verdict, final: PeriodicReport): string[] {
  const notes: string[] = [];
  const ratioCriterion = verdict.process.criteria.find((c) => /^rss_mb\.final_ratio\b/.test(c.expr));
  const check = final.memory.leakCheck;
  if (check.pass === false && verdict.process.pass) {
    const own = Object.keys(final.probes).filter((n) => final.probes[n]!.memory);
    const subjects = own.length ? `; the process probes' own memory is checked on their own lines (${own.join(', ')})` : '';
    const why = ratioCriterion
      ? `the verdict's ${ratioCriterion.expr} reads ${ratioCriterion.value} on the same RSS with what writing heap snapshots moved it by taken out (${verdict.process.instrumentRssMb ?? 0} MB)`
      : 'no process criterion judges that ratio (add `rss_mb.final_ratio < 1.5` to process.thresholds to make it one)';
    notes.push(
      `the periodic leak check FAILs on exsoak's own process RSS, ${ratioText(final.memory)}, while the verdict's process criteria pass: that RSS is the supervisor's (it holds the samples, the detectors and the snapshots it writes) with the worker probes inside it; the verdict judges each worker's heap floor for them, and ${why}${subjects}`,
    );
  }
  for (const [name, p] of Object.entries(final.probes)) {
    const own = p.memory?.leakCheck;
    const v = verdict.probes[name];
    if (!own || own.pass === null || !v) continue;
    const trend = v.leak ? `its RSS trend (${v.leak.status}: ${v.leak.reason ?? 'no reason given'})` : 'its criteria';
    if (own.pass === false && v.pass) notes.push(`${name}: its own RSS grew ${ratioText(p.memory!)} ≥ ${own.limit} in the periodic check, but its verdict passes: the verdict judges ${trend} against the growth budget over the scenario's nominal duration, not the ratio to its first sample after start-up`);
  }
  const leaking = Object.entries(verdict.probes).filter(([, p]) => p.criteria.some((c) => c.expr === 'no confirmed leak' && !c.pass));
  if (check.pass === true && leaking.length) {
    const names = leaking.map(([n, p]) => `${n} (${p.leak?.slopeMbPerH} MB/h on its ${p.leak?.series === 'rss_mb' ? 'own RSS' : 'heap floor'})`).join(', ');
    notes.push(`the periodic leak check passes (${ratioText(final.memory)}) but the verdict confirms a leak in ${names}: the check compares the whole process's RSS at the end with its start, where a leak shows only once it outgrows the rest of the memory and the allocator's slack; the trend sees it sooner`);
  }
  return notes;
}
