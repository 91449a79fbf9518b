// One launcher for every real process a test or the local topology starts (npm start, the
// integration suite, the load test, the apps' own suites): node with tsx's loader or a bundle, the
// output kept per stream (and optionally appended to a log file), readiness polled with a deadline,
// stop by PID with SIGTERM then SIGKILL, and a preloaded watcher so that children stop themselves
// when the process that started them dies.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';

/** The repository root (holds nx.json and node_modules). */
export const REPO_ROOT = path.resolve(__dirname, '../../../..');
const PARENT_WATCH = path.join(__dirname, 'parent-watch.cjs');
const DEFAULT_READY_TIMEOUT_MS = 60_000;
const DEFAULT_STOP_GRACE_MS = 10_000;
const POLL_MS = 100;
const DRAIN_MS = 2_000;
const KEPT_LINES = 500;
const HTTP_READY_TIMEOUT_MS = 3_000;

export type OutputStream = 'stdout' | 'stderr';

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
  /** Node's own options before the entry, e.g. `--inspect=127.0.0.1:9229` to profile it. */
  nodeArgs?: string[];
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
  /**
   * Lines of output kept in memory (both streams together, the oldest dropped first). Default 500;
   * `Infinity` keeps every line, for tests that assert on the whole output of a short-lived process.
   */
  keepLines?: number;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly spec: LaunchSpec;
  /** Resolves once the process has exited. */
  readonly exited: Promise<ExitInfo>;
  alive(): boolean;
  /** The last `lines` lines of output (stdout and stderr interleaved), for diagnostics. */
  output(lines?: number): string;
  /**
   * The kept lines of one stream (or of both, interleaved), in order, without their newlines and
   * without empty lines; a last line not yet ended by a newline comes last.
   */
  lines(stream?: OutputStream): string[];
  /** SIGTERM by PID, SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<ExitInfo>;
  /** Sends `signal` by PID (e.g. SIGKILL to simulate a crash) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<ExitInfo>;
}

export interface WaitOptions {
  /** Returns a reason to give up at once (e.g. a process the condition needs has exited). */
  hopeless?: () => string | undefined;
  /** Appended to the error when the wait fails (e.g. the output of the processes involved). */
  diagnostics?: () => string;
  /**
   * `retry` (default): a check that throws counts as "not yet" and its last error is reported at
   * the deadline (a server not listening yet). `fail`: the first error fails the wait at once.
   */
  onError?: 'retry' | 'fail';
}

/**
 * Polls `check` every 100 ms until it returns something other than `undefined` and returns that,
 * failing after `timeoutMs` or as soon as `hopeless` says why. Use it instead of a sleep wherever a
 * test waits for another process.
 */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  options: WaitOptions = {},
): Promise<T> {
  const { hopeless = () => undefined, diagnostics, onError = 'retry' } = options;
  const failure = (message: string) =>
    new Error(diagnostics ? `${message}\n${diagnostics()}` : message);
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const reason = hopeless();
    if (reason) throw failure(`gave up waiting for ${what}: ${reason}`);
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      if (onError === 'fail') throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw failure(
        `timed out after ${timeoutMs} ms waiting for ${what}` +
          (lastError ? ` (last error: ${String(lastError)})` : ''),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Polls `check` until it returns true, failing after `timeoutMs` or as soon as `hopeless` says why. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  hopeless: () => string | undefined = () => undefined,
): Promise<void> {
  await eventually(what, async () => ((await check()) ? true : undefined), timeoutMs, { hopeless });
}

/**
 * A `ready` check: true once `url` answers with any HTTP status (a refused connection, or no
 * answer within 3 s, is "not yet"). E.g. `ready: answersHttp(`${url}/health`)`.
 */
export function answersHttp(url: string): () => Promise<boolean> {
  return async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(HTTP_READY_TIMEOUT_MS) });
    await response.text();
    return true;
  };
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
    const nodeArgs = [
      '--require',
      PARENT_WATCH,
      ...(isTs ? ['--import', 'tsx'] : []),
      ...(spec.nodeArgs ?? []),
    ];
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
    const kept: Array<{ stream: OutputStream; text: string }> = [];
    const limit = spec.keepLines ?? KEPT_LINES;
    const rest: Record<OutputStream, string> = { stdout: '', stderr: '' };
    const keep = (stream: OutputStream) => (chunk: string) => {
      log?.write(chunk);
      const parts = (rest[stream] + chunk).split('\n');
      rest[stream] = parts.pop() ?? '';
      for (const text of parts) if (text !== '') kept.push({ stream, text });
      if (kept.length > limit) kept.splice(0, kept.length - limit);
    };
    // Decoded as a stream, so a character split across two chunks stays whole.
    child.stdout?.setEncoding('utf8').on('data', keep('stdout'));
    child.stderr?.setEncoding('utf8').on('data', keep('stderr'));
    const lines = (stream?: OutputStream): string[] => {
      const streams: OutputStream[] = stream ? [stream] : ['stdout', 'stderr'];
      return [
        ...kept.filter((l) => stream === undefined || l.stream === stream).map((l) => l.text),
        ...streams.map((s) => rest[s]).filter((text) => text !== ''),
      ];
    };

    // Resolves once the output still in the pipes has been read too ('close'), so that what a
    // process printed just before exiting is in `lines()`; a grandchild that keeps the pipes open
    // gets `DRAIN_MS`, then they are closed.
    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        const drained = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
        }, DRAIN_MS);
        child.once('close', () => {
          clearTimeout(drained);
          this.running.delete(proc);
          log?.end();
          resolve({ code, signal });
        });
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
      output: (n = 60) => lines().slice(-n).join('\n'),
      lines,
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

  /**
   * Sends `signal` (default SIGKILL) by PID to every running process of the group and waits until
   * they are gone: the `afterAll` of a test, where nothing needs a graceful end.
   */
  async killAll(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await Promise.all(this.list().map((p) => p.kill(signal)));
  }
}
