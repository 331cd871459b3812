// What `npm test` needs besides npm: Debian's Chromium (the report's browser test), Prometheus
// (promtool checks the alert rules, a real server scrapes a soak) and python3 (the Python
// example and probes). On the kind of machine the project runs on (root, Debian packages
// reachable) it installs what is missing, so the README's command passes with no other step —
// in CI (CI=true) also through passwordless sudo, as hosted runners have it; anywhere else it
// prints the exact command and fails before the suite starts. It never lets
// those tests skip: a skip reads as a pass and hides the coverage that went missing, in CI
// (CI=true, .ci/run) and out. `npm run test:unit` needs none of them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

interface Prerequisite {
  /** The Debian package that brings it. */
  pkg: string;
  what: string;
  present(): boolean;
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

const PREREQUISITES: Prerequisite[] = [
  // test/e2e/report.test.ts drives this path (playwright-core downloads no browser).
  { pkg: 'chromium', what: '/usr/bin/chromium', present: () => existsSync('/usr/bin/chromium') },
  { pkg: 'prometheus', what: 'prometheus and promtool', present: () => onPath('prometheus') && onPath('promtool') },
  { pkg: 'python3', what: 'python3', present: () => onPath('python3') },
];

function missing(): Prerequisite[] {
  return PREREQUISITES.filter((p) => !p.present());
}

/** How apt-get can run here without asking anything: as root, or (CI only) through `sudo -n`. */
function aptRunner(): string[] | undefined {
  if (!onPath('apt-get')) return undefined;
  if (process.getuid?.() === 0) return [];
  if (process.env.CI === 'true' && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return ['sudo', '-n', '--preserve-env=DEBIAN_FRONTEND'];
  return undefined;
}

function aptGet(prefix: string[], args: string[]): { ok: boolean; output: string } {
  const [command, ...rest] = [...prefix, 'apt-get', ...args];
  const res = spawnSync(command!, rest, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return { ok: res.status === 0, output: `${res.stdout ?? ''}${res.stderr ?? ''}${res.error ? String(res.error) : ''}` };
}

function install(prefix: string[], pkgs: string[]): boolean {
  process.stderr.write(`npm test: installing ${pkgs.join(', ')} with apt-get (needed by the test suite)…\n`);
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...pkgs]]) {
    const res = aptGet(prefix, args);
    if (!res.ok) {
      process.stderr.write(`npm test: apt-get ${args.join(' ')} failed:\n${res.output.trim().split('\n').slice(-20).join('\n')}\n`);
      return false;
    }
  }
  return true;
}

let absent = missing();
const runner = absent.length > 0 ? aptRunner() : undefined;
if (runner) {
  install(runner, absent.map((p) => p.pkg));
  absent = missing();
}
if (absent.length > 0) {
  const pkgs = absent.map((p) => p.pkg).join(' ');
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  process.stderr.write(
    [
      `npm test: missing ${absent.map((p) => `${p.what} (Debian package ${p.pkg})`).join(', ')}.`,
      `Install, then run npm test again:`,
      `  ${sudo}apt-get update && ${sudo}apt-get install -y ${pkgs}`,
      runner ? '' : `(run as root with apt-get available, npm test installs them itself.)`,
      `Tests that need none of them: npm run test:unit, or one file: npx node --test test/unit/units.test.ts`,
      '',
    ]
      .filter((line, i, all) => line !== '' || i === all.length - 1)
      .join('\n'),
  );
  process.exit(1);
}
