// The gateway's real entry point (`main.ts` under tsx, so the PID is the gateway itself) as a child
// process, started by the one launcher of @pardon/topology: ready once /health answers, signalled
// and stopped by PID.
import { answersHttp, appSource, ProcessGroup } from '@pardon/topology';

export interface GatewayProcess {
  url: string;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process exits. */
  exited: Promise<number | string>;
  /** Sends `signal` by PID; `exited` says when it is gone. */
  kill(signal?: NodeJS.Signals): void;
}

const gateways = new ProcessGroup();

/**
 * Runs the gateway with `env` (and nothing else but PATH and HOME) and waits until its /health
 * answers, failing with its output if it exits first or does not answer within `timeoutMs`. The
 * caller stops it; `stopAll` in an afterAll is the safety net.
 */
export async function spawnGateway(
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<GatewayProcess> {
  const url = `http://${env.HOST ?? '127.0.0.1'}:${env.PORT}`;
  const proc = await gateways.start({
    name: `gateway ${env.TASK_ID ?? ''}`.trim(),
    ...appSource('gateway'),
    env,
    ready: answersHttp(`${url}/health`),
    readyTimeoutMs: timeoutMs,
  });
  return {
    url,
    output: () => proc.output(),
    exited: proc.exited.then(({ code, signal }) => code ?? signal ?? -1),
    kill: (signal = 'SIGTERM') => void proc.kill(signal),
  };
}

/** SIGKILLs every gateway process this file started that is still running. */
export function stopAll(): Promise<void> {
  return gateways.killAll();
}
