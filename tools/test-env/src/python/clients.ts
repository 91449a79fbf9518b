// Third-party MCP clients (the Python `mcp` SDK and `langchain-mcp-adapters`, as production's
// agents use them) in pinned virtualenvs, and the driver script that tests run with them.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ensureVenv, findRepoRoot } from './venv';

/**
 * The client environments, each a `pip freeze` in tools/test-env/python/<name>.requirements.txt:
 * - `mcp1-lca01`: mcp 1.30.0 with langchain-mcp-adapters 0.1.14 (production pins `^0.1.3`);
 * - `mcp1-lca03`: mcp 1.30.0 with langchain-mcp-adapters 0.3.2 (the newest that runs here);
 * - `mcp2`: mcp 2.3.0, the newest SDK (langchain-mcp-adapters does not import with it).
 */
export const PYTHON_CLIENTS = ['mcp1-lca01', 'mcp1-lca03', 'mcp2'] as const;
export type PythonClientsName = (typeof PYTHON_CLIENTS)[number];

/** Which of the environments have `langchain-mcp-adapters` (the driver's `lc_*` steps). */
export const HAS_LANGCHAIN: Record<PythonClientsName, boolean> = {
  'mcp1-lca01': true,
  'mcp1-lca03': true,
  mcp2: false,
};

const PYTHON_DIR = join(findRepoRoot(), 'tools', 'test-env', 'python');

/** The driver: `<python> CORAL_CLIENT_SCRIPT --url … --script '[…]'` (see coral_client.py). */
export const CORAL_CLIENT_SCRIPT = join(PYTHON_DIR, 'coral_client.py');

export interface EnsurePythonClientsOptions {
  /** Virtualenv folder (git-ignored). Default `<repo>/.venv/<name>`. */
  dir?: string;
  /** Progress lines; default writes to stderr. */
  log?: (line: string) => void;
}

/** The pinned requirements file of a client environment. */
export function pythonClientsRequirements(name: PythonClientsName): string {
  return join(PYTHON_DIR, `${name}.requirements.txt`);
}

/**
 * Creates (once, about a minute and 70–125 MB each) the git-ignored virtualenv `name` and returns
 * its Python interpreter. Installed the way moto's is: a changed freeze reinstalls, concurrent
 * callers wait for one install.
 */
export async function ensurePythonClients(
  name: PythonClientsName,
  options: EnsurePythonClientsOptions = {},
): Promise<string> {
  if (!PYTHON_CLIENTS.includes(name)) {
    throw new Error(`test-env: no Python client environment ${String(name)}`);
  }
  const { python } = await ensureVenv({
    what: `Python MCP clients ${name}`,
    dir: options.dir ?? join(findRepoRoot(), '.venv', name),
    requirementsFile: pythonClientsRequirements(name),
    expectedTime: 'about a minute',
    log: options.log,
    logPrefix: 'test-env:python',
  });
  return python;
}

/** One line the driver printed: a step's record, a log line of the SDK, or the final `done`. */
export type CoralClientRecord = Record<string, unknown> & {
  step?: number | string;
  op?: string;
  ok?: boolean;
  error?: string;
  log?: string;
};

export interface RunCoralClientOptions {
  /** The venv's interpreter (`ensurePythonClients(name)`). */
  python: string;
  url: string;
  transport?: 'sse' | 'streamable';
  headers?: Record<string, string>;
  /** The script's steps (see coral_client.py). */
  steps: ReadonlyArray<Record<string, unknown>>;
  /** The process is killed (by PID) after this long; default 60 s. */
  timeoutMs?: number;
}

export interface CoralClientRun {
  /** Step records, in the order printed (`log` lines are in `logs`). */
  records: CoralClientRecord[];
  logs: CoralClientRecord[];
  /** Exit code (0: every step ok), or the signal's name if it was killed. */
  exit: number | string;
  stderr: string;
  /** The record of step `index` (or of the step with that `id`); throws if there is none. */
  step(indexOrId: number | string): CoralClientRecord;
}

const running = new Set<ChildProcess>();

function killChild(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch (err) {
    // ESRCH: it exited between the check and the signal.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/**
 * Runs coral_client.py with a script and collects its JSON lines. Only loopback traffic is
 * expected: the child gets no proxy settings from this environment. The child is killed by PID
 * at the deadline; `stopCoralClients()` (in an `afterAll`) kills any still running.
 */
export function runCoralClient(options: RunCoralClientOptions): Promise<CoralClientRun> {
  const args = [
    CORAL_CLIENT_SCRIPT,
    '--url',
    options.url,
    '--transport',
    options.transport ?? 'sse',
    '--script',
    JSON.stringify(options.steps),
  ];
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    args.push('--header', `${name}: ${value}`);
  }
  const child = spawn(options.python, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      NO_PROXY: '*',
    },
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const timer = setTimeout(() => killChild(child), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', (err) => {
      clearTimeout(timer);
      running.delete(child);
      reject(new Error(`test-env: could not run ${options.python}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      const lines: CoralClientRecord[] = [];
      for (const line of stdout.split('\n')) {
        if (!line.trim()) continue;
        try {
          lines.push(JSON.parse(line) as CoralClientRecord);
        } catch {
          lines.push({ op: 'unparsed', ok: false, error: line });
        }
      }
      const records = lines.filter((l) => l.log === undefined);
      const run: CoralClientRun = {
        records,
        logs: lines.filter((l) => l.log !== undefined),
        exit: code ?? signal ?? -1,
        stderr,
        step: (key) => {
          const found = records.find(
            (r) => r['started'] !== true && (String(r.step) === String(key) || r['id'] === key),
          );
          if (!found) {
            throw new Error(
              `coral_client.py printed no record for step ${key} (exit ${run.exit}):\n${stdout}\n${stderr}`,
            );
          }
          return found;
        },
      };
      resolve(run);
    });
  });
}

/** Kills (SIGKILL, by PID) every coral_client.py process this module started that still runs. */
export async function stopCoralClients(): Promise<void> {
  const all = [...running];
  await Promise.all(
    all.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
            resolve();
            return;
          }
          child.once('close', () => resolve());
          killChild(child);
        }),
    ),
  );
}
