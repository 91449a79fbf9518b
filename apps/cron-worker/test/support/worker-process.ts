// Real cron-worker processes for the integration tests. Each runs `node --import tsx main.ts`
// in-process (no tsx relay process), so the PID the test signals or SIGKILLs is the worker itself.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');
const MAIN = path.join(REPO_ROOT, 'apps/cron-worker/src/main.ts');
const TSCONFIG = path.join(REPO_ROOT, 'apps/cron-worker/tsconfig.json');

/** A parsed pino line from the worker's stderr. */
export interface LogLine {
  level: number;
  msg: string;
  workerId?: string;
  job?: string;
  tick?: string;
  [key: string]: unknown;
}

export interface WorkerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logs: LogLine[];
  readonly stdoutLines: string[];
  readonly stderrText: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** Sends `signal` by PID and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started = new Set<WorkerProcess>();

/** The environment a worker gets: nothing inherited but PATH/HOME, so no stray AWS_* leaks in. */
export function workerEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    TSX_TSCONFIG_PATH: TSCONFIG,
  };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

export function startWorkerProcess(
  name: string,
  env: Record<string, string | undefined>,
  args: string[] = [],
): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: REPO_ROOT,
    env: workerEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const stdoutLines: string[] = [];
  let stderr = '';
  let stdoutRest = '';
  let stderrRest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (stdoutRest + chunk.toString()).split('\n');
    stdoutRest = parts.pop() ?? '';
    stdoutLines.push(...parts.filter((l) => l !== ''));
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    const parts = (stderrRest + chunk.toString()).split('\n');
    stderrRest = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.startsWith('{')) continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // a partial or foreign line: kept in stderrText for diagnostics
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      if (stdoutRest) stdoutLines.push(stdoutRest);
      resolve({ code, signal });
    }),
  );
  const proc: WorkerProcess = {
    name,
    child,
    logs,
    stdoutLines,
    stderrText: () => stderr,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: async (signal = 'SIGTERM') => {
      if (proc.alive() && child.pid !== undefined) process.kill(child.pid, signal);
      const result = await exited;
      started.delete(proc);
      return result;
    },
  };
  started.add(proc);
  void exited.then(() => started.delete(proc));
  return proc;
}

/** Runs `cron-worker --once <job>` to completion. */
export async function runOnce(
  job: string,
  env: Record<string, string | undefined>,
  extraArgs: string[] = [],
): Promise<{
  code: number | null;
  result: Record<string, unknown> | undefined;
  proc: WorkerProcess;
}> {
  const proc = startWorkerProcess(`once-${job}`, env, ['--once', job, ...extraArgs]);
  const { code } = await proc.exited;
  const last = proc.stdoutLines.at(-1);
  let result: Record<string, unknown> | undefined;
  if (last?.startsWith('{')) result = JSON.parse(last) as Record<string, unknown>;
  return { code, result, proc };
}

/** SIGKILLs every worker started here that still runs. */
export async function stopAllWorkers(): Promise<void> {
  await Promise.all([...started].map((p) => p.stop('SIGKILL')));
}

/** Polls `check` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  diagnostics: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${diagnostics()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
