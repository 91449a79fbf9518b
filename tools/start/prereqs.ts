// `npm test` runs this first (`npm run prereqs`): every prerequisite of the test suites, checked in
// about a second, so that a fresh machine learns in one line what to install instead of failing
// deep inside a suite. Exit 0 when everything is there, 1 with the install command otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, statfsSync } from 'node:fs';
import { REPO_ROOT } from '@pardon/topology';

/** Node of the README (package.json engines). */
const MIN_NODE = [20, 19] as const;
/** node_modules is already there; this is moto's virtualenv, PostgreSQL data and test reports. */
const MIN_FREE_GIB = 2;

interface Missing {
  what: string;
  /** Debian package that provides it, when there is one. */
  apt?: string;
  /** What to do when no package does. */
  otherwise?: string;
}

export interface PrereqEnv {
  python: string;
  curl: string;
  chromium: string;
  nodeVersion: string;
  /** Free bytes where the repository lives. */
  freeBytes: () => number;
  isRoot: boolean;
}

export function defaultEnv(env: NodeJS.ProcessEnv = process.env): PrereqEnv {
  return {
    python: env['PYTHON'] ?? 'python3',
    curl: 'curl',
    chromium: env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    nodeVersion: process.versions.node,
    freeBytes: () => {
      const s = statfsSync(REPO_ROOT);
      return s.bavail * s.bsize;
    },
    isRoot: process.getuid?.() === 0,
  };
}

/** What the test suites need that this machine lacks (empty when nothing). */
export function findMissing(env: PrereqEnv): Missing[] {
  const missing: Missing[] = [];
  const [major = 0, minor = 0] = env.nodeVersion.split('.').map(Number);
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    missing.push({
      what: `Node ${MIN_NODE.join('.')} or newer (this is ${env.nodeVersion})`,
      otherwise: 'install Node 20 LTS from your distribution or nodejs.org',
    });
  }
  // The AWS emulator (moto) and the Python agent clients install into virtualenvs on first use.
  const python = spawnSync(env.python, ['-c', 'import venv, ensurepip'], { stdio: 'ignore' });
  if (python.error) missing.push({ what: `Python 3 (${env.python})`, apt: 'python3-venv' });
  else if (python.status !== 0)
    missing.push({ what: 'Python 3 venv and pip', apt: 'python3-venv' });
  // The README's own commands are run by a test (tools/start/test/readme.test.ts).
  if (spawnSync(env.curl, ['--version'], { stdio: 'ignore' }).error) {
    missing.push({ what: 'curl (the README commands test)', apt: 'curl' });
  }
  if (!existsSync(env.chromium)) {
    missing.push({ what: `Chromium at ${env.chromium} (browser tests)`, apt: 'chromium' });
  }
  const freeGiB = env.freeBytes() / 2 ** 30;
  if (freeGiB < MIN_FREE_GIB) {
    missing.push({
      what: `${MIN_FREE_GIB} GiB of free disk (${freeGiB.toFixed(1)} GiB free)`,
      otherwise: 'free some disk space',
    });
  }
  return missing;
}

/** The one line a newcomer reads: what is missing and the exact command that installs it. */
export function instruction(missing: readonly Missing[], isRoot: boolean): string {
  const apt = [...new Set(missing.flatMap((m) => (m.apt ? [m.apt] : [])))];
  const steps = [
    ...(apt.length > 0
      ? [
          `${isRoot ? '' : 'sudo '}apt-get update && ${isRoot ? '' : 'sudo '}apt-get install -y ${apt.join(' ')}`,
        ]
      : []),
    ...missing.flatMap((m) => (m.otherwise ? [m.otherwise] : [])),
  ];
  return `npm test needs ${missing.map((m) => m.what).join(', ')}: ${steps.join('; then ')}`;
}

if (require.main === module) {
  const env = defaultEnv();
  const missing = findMissing(env);
  if (missing.length > 0) {
    console.error(instruction(missing, env.isRoot));
    process.exit(1);
  }
}
