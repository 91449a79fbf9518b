// Pinned Python virtualenvs for tests: moto's server (src/aws) and the third-party MCP clients
// (src/python/clients.ts). Each is a `pip freeze` under tools/ installed on first use into a
// git-ignored `<repo>/.venv/<name>`, with a stamp so a changed freeze reinstalls.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/** How long a first install may take before we give up waiting for another process's lock. */
const INSTALL_DEADLINE_MS = 15 * 60_000;
const LOCK_POLL_MS = 500;

/** Repo root: the nearest ancestor holding nx.json. */
export function findRepoRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`test-env: no nx.json above ${from}`);
    dir = parent;
  }
}

export interface PythonVenv {
  /** Python interpreter inside the virtualenv. */
  python: string;
  dir: string;
}

export interface EnsureVenvOptions {
  /** What is installed, for progress lines and errors ("moto", "MCP clients mcp2"). */
  what: string;
  /** Virtualenv folder (git-ignored), e.g. `<repo>/.venv/moto`. */
  dir: string;
  /** The pinned requirements (a `pip freeze`); its hash is the stamp. */
  requirementsFile: string;
  /** Said in the install line, e.g. "about a minute". */
  expectedTime?: string;
  /** The interpreter that creates the virtualenv; default `PYTHON`, else `python3`. */
  basePython?: string;
  /** Progress lines; default writes to stderr with `logPrefix`. */
  log?: (line: string) => void;
  logPrefix?: string;
}

/** The stamp file of a finished install: the sha256 of the requirements it was installed from. */
export const STAMP_FILE = '.pardon-requirements.sha256';

function stderrLog(prefix: string): (line: string) => void {
  return (line) => process.stderr.write(`[${prefix}] ${line}\n`);
}

function run(cmd: string, args: string[], log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split(/\r?\n/)) {
        if (!line.trim()) continue;
        log(`  ${line}`);
        tail.push(line);
        if (tail.length > 20) tail.shift();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) =>
      reject(
        new Error(
          `test-env: could not run ${cmd} (${err.message}); Python 3 with venv and pip is required`,
        ),
      ),
    );
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            new Error(
              `test-env: ${cmd} ${args.join(' ')} exited with ${code}:\n${tail.join('\n')}`,
            ),
          ),
    );
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Exclusive lock by creating a file (O_EXCL). Several Jest projects may need the same virtualenv
 * at once on a fresh machine; only one of them builds it. A lock left by a dead process is taken
 * over.
 */
async function withLock<T>(
  lockFile: string,
  what: string,
  log: (l: string) => void,
  fn: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + INSTALL_DEADLINE_MS;
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lockFile, 'utf8').trim() || '0');
      if (holder > 0 && !pidAlive(holder)) {
        rmSync(lockFile, { force: true });
        continue;
      }
      if (!announced) {
        log(`waiting for process ${holder} to finish installing ${what}`);
        announced = true;
      }
      if (Date.now() > deadline)
        throw new Error(`test-env: timed out waiting for lock ${lockFile}`);
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

/**
 * Creates (once) the virtualenv `dir` from `requirementsFile` and returns its interpreter. A stamp
 * with the hash of the requirements file marks a finished install, so an interrupted install or a
 * bumped pin is redone, and a finished one costs a file read. `PYTHON` overrides `python3`.
 */
export async function ensureVenv(options: EnsureVenvOptions): Promise<PythonVenv> {
  const { what, dir, requirementsFile } = options;
  const log = options.log ?? stderrLog(options.logPrefix ?? 'test-env');
  const python = join(dir, 'bin', 'python');
  const stampFile = join(dir, STAMP_FILE);
  const wanted = createHash('sha256').update(readFileSync(requirementsFile)).digest('hex');
  const ready = (): boolean =>
    existsSync(python) &&
    existsSync(stampFile) &&
    readFileSync(stampFile, 'utf8').trim() === wanted;
  if (ready()) return { python, dir };

  mkdirSync(dirname(dir), { recursive: true });
  return withLock(`${dir}.lock`, what, log, async () => {
    if (ready()) return { python, dir };
    const started = Date.now();
    if (!existsSync(python)) {
      log(`creating Python virtualenv ${dir} (first run only)`);
      const python3 = options.basePython ?? process.env['PYTHON'] ?? 'python3';
      await run(python3, ['-m', 'venv', dir], log).catch((err: Error) => {
        throw new Error(
          `${err.message}\ntest-env: \`${python3} -m venv\` is needed for ${what} ` +
            '(on Debian/Ubuntu: apt-get install python3-venv)',
          { cause: err },
        );
      });
    }
    const eta = options.expectedTime ? `, ${options.expectedTime}` : '';
    log(`installing ${what} from ${requirementsFile} (first run only${eta})`);
    await run(
      python,
      [
        '-m',
        'pip',
        'install',
        '--disable-pip-version-check',
        '--progress-bar',
        'off',
        '-r',
        requirementsFile,
      ],
      log,
    );
    writeFileSync(stampFile, wanted);
    log(`${what} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { python, dir };
  });
}
