// One launcher for every process of the local topology (npm start, the integration suite, the load
// test): node with tsx's loader or a bundle, the output kept (and optionally appended to a log
// file), readiness polled with a deadline, stop by PID with SIGTERM then SIGKILL, and a preloaded
// watcher so that children stop themselves when the process that started them dies.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';

/** The repository root (holds nx.json and node_modules). */
export const REPO_ROOT = path.resolve(__dirname, '../../../..');
const PARENT_WATCH = path.join(__dirname, 'parent-watch.cjs');
const DEFAULT_READY_TIMEOUT_MS = 60_000;
const DEFAULT_STOP_GRACE_MS = 10_000;
const POLL_MS = 100;
const KEPT_LINES = 500;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LaunchSpec {
  /** Shown in progress, errors and log lines, e.g. `gateway task-1`. */
  name: string;
  /** A `.ts` entry (run with `--import tsx`) or a `.js`/`.cjs` bundle (run with plain node). */
  entry: string;
  args?: string[];
  /** tsconfig whose path aliases tsx should use (for `.ts` entries). */
  tsconfig?: string;
  /** The child's whole environment on top of PATH and HOME: nothing else is inherited. */
  env: Record<string, string | undefined>;
  /** Appends the child's stdout and stderr here (the directory is created). */
  logFile?: string;
  /**
   * Resolves true once the process is ready (polled every 100 ms, errors count as "not yet").
   * Without it the process is ready once spawned.
   */
  ready?: () => Promise<boolean>;
  /** Deadline for `ready`. Default 60 s. */
  readyTimeoutMs?: number;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly spec: LaunchSpec;
  /** Resolves once the process has exited. */
  readonly exited: Promise<ExitInfo>;
  alive(): boolean;
  /** The last `lines` lines of output (stdout and stderr interleaved). */
  output(lines?: number): string;
  /** SIGTERM by PID, SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<ExitInfo>;
  /** Sends `signal` by PID (e.g. SIGKILL to simulate a crash) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<ExitInfo>;
}

/** Polls `check` until it returns true, failing after `timeoutMs` or as soon as `hopeless` says why. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  hopeless: () => string | undefined = () => undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const reason = hopeless();
    if (reason) throw new Error(`gave up waiting for ${what}: ${reason}`);
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}` +
          (lastError ? ` (last error: ${String(lastError)})` : ''),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Starts processes and remembers them until they exit, so that `stopAll` (in an `afterAll`, a
 * signal handler or a `finally`) ends exactly what this group started, by PID.
 */
export class ProcessGroup {
  private readonly running = new Set<ManagedProcess>();

  /** Processes of this group still running, in start order. */
  list(): ManagedProcess[] {
    return [...this.running];
  }

  /** Spawns the process and waits until it is ready; on failure it is stopped and the error names it. */
  async start(spec: LaunchSpec): Promise<ManagedProcess> {
    const proc = this.spawn(spec);
    if (!spec.ready) return proc;
    const ready = spec.ready;
    try {
      await waitUntil(
        `${spec.name} to be ready`,
        ready,
        spec.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
        () => (proc.alive() ? undefined : `${spec.name} exited`),
      );
    } catch (error) {
      await proc.stop(2_000);
      throw new Error(
        `${(error as Error).message}\n--- ${spec.name} output ---\n${proc.output(40)}`,
        {
          cause: error,
        },
      );
    }
    return proc;
  }

  /** Spawns without waiting for readiness. */
  spawn(spec: LaunchSpec): ManagedProcess {
    const isTs = /\.[cm]?ts$/.test(spec.entry);
    const nodeArgs = ['--require', PARENT_WATCH, ...(isTs ? ['--import', 'tsx'] : [])];
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      ...(isTs && spec.tsconfig
        ? { TSX_TSCONFIG_PATH: path.resolve(REPO_ROOT, spec.tsconfig) }
        : {}),
    };
    for (const [key, value] of Object.entries(spec.env)) if (value !== undefined) env[key] = value;
    const child: ChildProcess = spawn(
      process.execPath,
      [...nodeArgs, path.resolve(REPO_ROOT, spec.entry), ...(spec.args ?? [])],
      { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (child.pid === undefined) throw new Error(`${spec.name}: spawn failed`);
    const pid = child.pid;

    let log: WriteStream | undefined;
    if (spec.logFile) {
      mkdirSync(path.dirname(spec.logFile), { recursive: true });
      log = createWriteStream(spec.logFile, { flags: 'a' });
    }
    const lines: string[] = [];
    const rest = { stdout: '', stderr: '' };
    const keep = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      log?.write(chunk);
      const parts = (rest[stream] + chunk.toString('utf8')).split('\n');
      rest[stream] = parts.pop() ?? '';
      for (const line of parts) if (line !== '') lines.push(line);
      if (lines.length > KEPT_LINES) lines.splice(0, lines.length - KEPT_LINES);
    };
    child.stdout?.on('data', keep('stdout'));
    child.stderr?.on('data', keep('stderr'));

    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        this.running.delete(proc);
        log?.end();
        resolve({ code, signal });
      });
    });
    const alive = () => child.exitCode === null && child.signalCode === null;
    const signal = (sig: NodeJS.Signals) => {
      if (!alive()) return;
      try {
        process.kill(pid, sig);
      } catch (error) {
        // ESRCH: it exited between the check and the signal.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    };
    const proc: ManagedProcess = {
      name: spec.name,
      pid,
      spec,
      exited,
      alive,
      output: (n = 60) =>
        [...lines, ...(rest.stdout ? [rest.stdout] : []), ...(rest.stderr ? [rest.stderr] : [])]
          .slice(-n)
          .join('\n'),
      stop: async (graceMs = DEFAULT_STOP_GRACE_MS) => {
        signal('SIGTERM');
        const timer = setTimeout(() => signal('SIGKILL'), graceMs);
        const info = await exited;
        clearTimeout(timer);
        return info;
      },
      kill: async (sig = 'SIGKILL') => {
        signal(sig);
        return exited;
      },
    };
    this.running.add(proc);
    return proc;
  }

  /** Stops every running process of the group at once (SIGTERM, then SIGKILL after `graceMs`). */
  async stopAll(graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
    await Promise.all(this.list().map((p) => p.stop(graceMs)));
  }
}
