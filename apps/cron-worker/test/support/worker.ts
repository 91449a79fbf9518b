// Real cron-worker processes for the integration tests, started by the one launcher of
// @pardon/topology: `node --import tsx main.ts` (no tsx relay process, so the PID the test signals
// or SIGKILLs is the worker itself), nothing inherited but PATH and HOME (no stray AWS_* leaks in),
// and every line of output kept, for assertions on its logs, results and metrics.
import { appSource, ProcessGroup, type ManagedProcess } from '@pardon/topology';

/** A parsed pino line from the worker's stderr. */
export interface LogLine {
  level: number;
  msg: string;
  workerId?: string;
  job?: string;
  tick?: string;
  [key: string]: unknown;
}

const workers = new ProcessGroup();

/** Starts a worker with `env` and `args` without waiting for anything. */
export function startWorkerProcess(
  name: string,
  env: Record<string, string | undefined>,
  args: string[] = [],
): ManagedProcess {
  return workers.spawn({ name, ...appSource('cron-worker'), args, env, keepLines: Infinity });
}

/** Everything the worker wrote to stderr so far (its pino lines and any error message). */
export function stderrText(proc: ManagedProcess): string {
  return proc.lines('stderr').join('\n');
}

/** The worker's pino lines so far (JSON on stderr); other lines are left to `stderrText`. */
export function logLines(proc: ManagedProcess): LogLine[] {
  const logs: LogLine[] = [];
  for (const line of proc.lines('stderr')) {
    if (!line.startsWith('{')) continue;
    try {
      logs.push(JSON.parse(line) as LogLine);
    } catch {
      // a partial or foreign line: kept in stderrText for diagnostics
    }
  }
  return logs;
}

/** Runs `cron-worker --once <job>` to completion; `result` is its last stdout line, parsed. */
export async function runOnce(
  job: string,
  env: Record<string, string | undefined>,
  extraArgs: string[] = [],
): Promise<{
  code: number | null;
  result: Record<string, unknown> | undefined;
  proc: ManagedProcess;
}> {
  const proc = startWorkerProcess(`once-${job}`, env, ['--once', job, ...extraArgs]);
  const { code } = await proc.exited;
  const last = proc.lines('stdout').at(-1);
  let result: Record<string, unknown> | undefined;
  if (last?.startsWith('{')) result = JSON.parse(last) as Record<string, unknown>;
  return { code, result, proc };
}

/** SIGKILLs every worker this file started that still runs. */
export function stopAllWorkers(): Promise<void> {
  return workers.killAll();
}
