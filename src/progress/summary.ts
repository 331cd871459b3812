// The verdict as a terminal table, printed at the end of every run.
import type { Bus } from '../bus/bus.ts';
import type { Verdict } from '../bus/verdict.ts';
import { formatMemoryTable, formatReportBlock, type PeriodicReport } from '../bus/report.ts';
import { maskSecrets } from '../shared/secrets.ts';
import { terminalLine } from '../shared/text.ts';
import { explainDisagreement } from './agreement.ts';

/** `final`: the run's final report (its counts, memory and memory table come before the criteria). */
export function formatSummary(verdict: Verdict, dir: string, color: boolean, final?: PeriodicReport): string {
  const paint = (code: number, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const rows: [string, string, string, string][] = [];
  for (const [name, probe] of Object.entries(verdict.probes)) {
    for (const c of probe.criteria) rows.push([name, c.expr, String(c.value ?? c.note ?? '—'), c.pass ? 'pass' : 'FAIL']);
    if (probe.criteria.length === 0) rows.push([name, '(no criteria)', probe.status, 'pass']);
    const leak = probe.leak;
    if (leak && leak.slopeMbPerH !== undefined) {
      const flagged = leak.status === 'confirmed' || leak.status === 'suspected';
      rows.push([name, `${leak.series === 'rss_mb' ? 'RSS' : 'heap floor'} trend (${leak.status})`, `${leak.slopeMbPerH} MB/h [${leak.lowMbPerH}, ${leak.highMbPerH}]`, flagged ? 'LEAK' : 'info']);
    }
    // A crashed process probe: how it ended and its last words (the whole tail is in verdict.json).
    if (probe.exit) rows.push([name, 'exit', probe.exit.signal ? `signal ${probe.exit.signal}` : `code ${probe.exit.code}`, 'info']);
    for (const line of (probe.stderrTail ?? []).slice(-5)) rows.push([name, 'stderr', line, 'info']);
    // What the probe sent that was dropped or replaced (its rate and size limits, bad values): #26.
    if (probe.input) rows.push([name, 'input dropped/replaced', Object.entries(probe.input).map(([k, v]) => `${k} ${v}`).join(', '), 'info']);
    // A check that did not conclude says so, and why: a PASS must not hide "could not judge".
    if (leak?.reason && (leak.status === 'insufficient-data' || leak.status === 'inconclusive')) rows.push([name, `leak check ${leak.status.toUpperCase()}`, leak.reason, 'NO VERDICT']);
    // Growth that stopped: how much, how long, and the plateau since (a PASS that was an early alert).
    if (leak?.reason && leak.status === 'bounded') rows.push([name, 'leak check BOUNDED', leak.reason, 'info']);
    // The snapshot diff's holders of what grew, most first: the culprit, by name.
    const culprits = (leak as { culprits?: { text?: unknown }[] } | undefined)?.culprits ?? [];
    for (const c of culprits.slice(0, 3)) if (typeof c.text === 'string') rows.push([name, 'grew', c.text, 'info']);
  }
  for (const c of verdict.process.criteria) rows.push(['process', c.expr, String(c.value ?? c.note ?? '—'), c.pass ? 'pass' : 'FAIL']);
  // Cells can quote a probe (its stderr, its crash message): no escapes, no megabyte lines.
  for (const r of rows) for (const i of [0, 1, 2]) r[i] = terminalLine(r[i]!);
  // One long value (a leak check's reason, a stderr line) must not push every row's result off the screen.
  const widths = [0, 1, 2].map((i) => Math.min(i === 2 ? 40 : Infinity, Math.max(...rows.map((r) => r[i]!.length), ['scope', 'criterion', 'value'][i]!.length)));
  const line = (r: string[]) => r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ');
  const out = [line(['scope', 'criterion', 'value', 'result'])];
  const result = (r: string) => (r === 'pass' ? paint(32, r) : r === 'info' ? paint(2, r) : r === 'NO VERDICT' ? paint(33, r) : paint(31, r));
  for (const r of rows) out.push(line([r[0], r[1], r[2], result(r[3])]));
  const head = verdict.pass ? paint(32, 'PASS') : paint(31, 'FAIL');
  const why = verdict.reason === 'completed' ? '' : ` (${verdict.reason}${verdict.partial ? ', partial' : ''})`;
  const own = final?.memoryTable?.some((r) => r.probesRssMb) ?? false;
  const tableHead = own ? "memory (RSS of exsoak's own process, and each process probe's own):" : 'memory (process RSS):';
  // The periodic check and the verdict never disagree without the summary saying why.
  const notes = final ? explainDisagreement(verdict, final).map((n) => `${paint(33, 'note')}: ${n}\n`).join('') : '';
  const figures = final ? `${formatReportBlock(final)}${final.memoryTable ? `${tableHead}\n${formatMemoryTable(final.memoryTable).map((l) => `  ${l}`).join('\n')}\n` : ''}${notes}` : '';
  // A fatal state is why the run ended early: it comes before everything else.
  const fatals = Object.entries(verdict.probes).filter(([, p]) => p.fatal).map(([name, p]) => `${paint(31, 'FATAL')} ${name}: ${terminalLine(String(p.fatal), 500)}\n`).join('');
  return maskSecrets(`\n${fatals}${verdict.scenario}: ${head}${why}\n${figures}${out.join('\n')}\nresults: ${dir}\n`);
}

/** The terminal summary as a consumer: printed when the verdict arrives on the bus. */
export function printSummaryOnVerdict(bus: Bus, out: NodeJS.WritableStream, opts: { dir: string; color: boolean }): void {
  let final: PeriodicReport | undefined;
  bus.on('report', (report) => {
    if (report.final) final = report;
  });
  bus.on('verdict', (verdict) => out.write(formatSummary(verdict, opts.dir, opts.color, final)));
}
