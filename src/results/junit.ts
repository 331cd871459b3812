// The verdict as JUnit XML, the format every CI system publishes natively (GitLab, Jenkins,
// GitHub Actions reporters, Azure): one testsuite per probe (and the process), one testcase per
// criterion plus the leak check, failures carrying the value and the threshold. Failures count
// exactly what fails the verdict, so "N failures" in CI and FAIL in verdict.json never disagree.
import type { Criterion, Verdict } from '../bus/verdict.ts';

export interface JunitMeta {
  /** ISO time the run started (run.json). */
  startedAt?: string;
  hostname?: string;
  /** The results folder's basename. */
  runId?: string;
}

interface Case {
  name: string;
  classname: string;
  failure?: { message: string; type: string; body: string };
  skipped?: string;
  out?: string;
}

const LEAK_CRITERION = 'no confirmed leak';

/** XML 1.0 has no escape for most control characters: they are dropped (a crash message may hold any). */
export function xmlEscape(value: unknown): string {
  return String(value)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** "msg_rate.avg > 10" → "> 10": the bound a value is compared with. */
function thresholdOf(expr: string): string | undefined {
  const m = /(<=|>=|==|!=|<|>)\s*(-?[\d.]+(?:e-?\d+)?)(?:\s+over\s+\S+)?\s*$/i.exec(expr);
  return m ? `${m[1]} ${m[2]}` : undefined;
}

function criterionCase(classname: string, c: Criterion): Case {
  const kase: Case = { name: c.expr, classname };
  if (c.pass) {
    kase.out = `value: ${c.value}`;
    return kase;
  }
  const threshold = thresholdOf(c.expr);
  const value = c.value === null ? 'no data' : String(c.value);
  const message = threshold ? `${c.expr} failed: value ${value}, threshold ${threshold}` : `${c.expr} failed: ${value}`;
  const body = [`expression: ${c.expr}`, `value: ${value}`, ...(threshold ? [`threshold: ${threshold}`] : []), ...(c.note ? [`note: ${c.note}`] : []), ...(c.abortOnFail ? ['abortOnFail: true'] : [])].join('\n');
  kase.failure = { message, type: c.abortOnFail ? 'abort-threshold' : c.expr === 'no crash' ? 'crash' : 'threshold', body };
  return kase;
}

function leakCase(classname: string, leak: Verdict['probes'][string]['leak'], criterion: Criterion | undefined): Case {
  const kase: Case = { name: `leak check (${leak?.series === 'rss_mb' ? 'RSS' : 'heap floor'} trend)`, classname };
  const figures = leak?.slopeMbPerH !== undefined ? `${leak.slopeMbPerH} MB/h [${leak.lowMbPerH}, ${leak.highMbPerH}], p=${leak.pValue}, projected ${leak.projectedMb} MB of a ${leak.budgetMb} MB budget` : 'no trend yet';
  if (criterion && !criterion.pass) {
    // What holds the growth (and, for a Python probe, where it was allocated), as the summary shows it.
    const culprits = (leak?.culprits ?? []).slice(0, 5).map((c) => `\n  - ${c.text}`).join('');
    kase.failure = { message: `leak confirmed: ${criterion.value}`, type: 'leak', body: `status: ${leak?.status}\nslope: ${figures}\nbudget: ${leak?.budgetMb} MB${culprits ? `\nculprits:${culprits}` : ''}` };
  } else if (!leak || leak.status === 'insufficient-data' || leak.status === 'inconclusive') {
    // Never a PASS about what could not be judged.
    kase.skipped = `inconclusive: ${leak?.reason ?? `not enough ${leak?.series === 'rss_mb' ? 'RSS' : 'heap-floor'} points (${leak?.points ?? 0})`}`;
  } else {
    kase.out = `status: ${leak.status}; slope ${figures}`;
  }
  return kase;
}

function suite(name: string, cases: Case[], extra: { time: number; timestamp?: string; hostname?: string; properties: Record<string, string | undefined> }): string {
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => c.skipped).length;
  const attrs = [
    `name="${xmlEscape(name)}"`,
    `tests="${cases.length}"`,
    `failures="${failures}"`,
    'errors="0"',
    `skipped="${skipped}"`,
    `time="${extra.time.toFixed(3)}"`,
    ...(extra.timestamp ? [`timestamp="${xmlEscape(extra.timestamp.replace(/Z$/, ''))}"`] : []),
    ...(extra.hostname ? [`hostname="${xmlEscape(extra.hostname)}"`] : []),
  ];
  const props = Object.entries(extra.properties).filter(([, v]) => v !== undefined);
  const lines = [`  <testsuite ${attrs.join(' ')}>`];
  if (props.length) {
    lines.push('    <properties>');
    for (const [k, v] of props) lines.push(`      <property name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>`);
    lines.push('    </properties>');
  }
  for (const c of cases) {
    const open = `    <testcase name="${xmlEscape(c.name)}" classname="${xmlEscape(c.classname)}" time="0"`;
    if (!c.failure && !c.skipped && !c.out) {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    if (c.failure) lines.push(`      <failure message="${xmlEscape(c.failure.message)}" type="${xmlEscape(c.failure.type)}">${xmlEscape(c.failure.body)}</failure>`);
    if (c.skipped) lines.push(`      <skipped message="${xmlEscape(c.skipped)}"/>`);
    if (c.out) lines.push(`      <system-out>${xmlEscape(c.out)}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>');
  return lines.join('\n');
}

export function renderJunit(verdict: Verdict, meta: JunitMeta = {}): string {
  const time = verdict.durationMs / 1000;
  const common = { time, timestamp: meta.startedAt, hostname: meta.hostname };
  const scenario = verdict.scenario;
  const suites: { xml: string; tests: number; failures: number; skipped: number }[] = [];
  const add = (name: string, cases: Case[], properties: Record<string, string | undefined>) =>
    suites.push({
      xml: suite(name, cases, { ...common, properties }),
      tests: cases.length,
      failures: cases.filter((c) => c.failure).length,
      skipped: cases.filter((c) => c.skipped).length,
    });

  for (const [name, p] of Object.entries(verdict.probes)) {
    const classname = `${scenario}.${name}`;
    const leakCriterion = p.criteria.find((c) => c.expr === LEAK_CRITERION);
    const cases = p.criteria.filter((c) => c !== leakCriterion).map((c) => criterionCase(classname, c));
    cases.push(leakCase(classname, p.leak, leakCriterion));
    add(name, cases, { kind: p.kind, status: p.status, error: p.error });
  }
  if (verdict.process.criteria.length > 0) {
    add('process', verdict.process.criteria.map((c) => criterionCase(`${scenario}.process`, c)), {});
  }
  // A run cut short fails the verdict even when every criterion held: CI must see it as a failure.
  const runCase: Case = { name: 'run completed', classname: `${scenario}.run` };
  if (verdict.partial) runCase.failure = { message: `run ${verdict.reason}: the verdict is partial`, type: 'partial', body: `reason: ${verdict.reason}` };
  add('run', [runCase], { scenario, run_id: meta.runId, reason: verdict.reason });

  const total = (k: 'tests' | 'failures' | 'skipped') => suites.reduce((n, s) => n + s[k], 0);
  const head = `<testsuites name="exsoak ${xmlEscape(scenario)}" tests="${total('tests')}" failures="${total('failures')}" errors="0" skipped="${total('skipped')}" time="${time.toFixed(3)}">`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', head, ...suites.map((s) => s.xml), '</testsuites>', ''].join('\n');
}
