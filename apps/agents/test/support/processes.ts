// Child processes for integration tests: TypeScript entry points run by node with tsx's loader
// (`--import tsx`, so the PID is the program itself, not a tsx wrapper whose child would survive a
// SIGKILL), their output kept for diagnostics, every one stopped by PID afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');

export interface ChildHandle {
  name: string;
  child: ChildProcess;
  /** The last lines the process wrote (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code/signal once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True until the process exits. */
  alive(): boolean;
  /** Sends `signal` to this process (by PID) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const started = new Set<ChildHandle>();

/**
 * Starts `file` (relative to the repository root) with tsx and the given environment. `tsconfig`
 * (the project's, relative to the root) gives tsx the path aliases of tsconfig.base.json.
 */
export function startTs(
  name: string,
  file: string,
  tsconfig: string,
  env: Record<string, string>,
): ChildHandle {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, file)], {
    cwd: REPO_ROOT,
    env: baseEnv({ TSX_TSCONFIG_PATH: path.join(REPO_ROOT, tsconfig), ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(name, child);
}

function track(name: string, child: ChildProcess): ChildHandle {
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) if (line) lines.push(line);
    if (lines.length > 400) lines.splice(0, lines.length - 400);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const proc: ChildHandle = {
    name,
    child,
    output: () => lines.slice(-60).join('\n'),
    alive: () => child.exitCode === null && child.signalCode === null,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (proc.alive() && child.pid !== undefined) process.kill(child.pid, signal);
      await exited;
      started.delete(proc);
    },
  };
  started.add(proc);
  void exited.then(() => started.delete(proc));
  return proc;
}

/** Starts a plain JavaScript file (e.g. a bundle) with node and the given environment. */
export function startJs(name: string, file: string, env: Record<string, string>): ChildHandle {
  return track(
    name,
    spawn(process.execPath, [file], {
      cwd: REPO_ROOT,
      env: baseEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

function baseEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env };
}

/** Kills (SIGKILL, by PID) every process started here that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((p) => p.stop('SIGKILL')));
}

/** Polls `check` until it returns a value other than undefined, failing after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  diagnostics: () => string = () => '',
  /** Returns a reason to give up at once (e.g. a process the condition needs has exited). */
  hopeless: () => string | undefined = () => undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const reason = hopeless();
    if (reason) throw new Error(`gave up waiting for ${what}: ${reason}\n${diagnostics()}`);
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}` +
          (lastError ? ` (last error: ${String(lastError)})` : '') +
          `\n${diagnostics()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
