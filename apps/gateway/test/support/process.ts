import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const MAIN = path.join(ROOT, 'apps/gateway/src/main.ts');

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process exits. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Runs the gateway's real entry point (`main.ts` under tsx) as a child process and waits until
 * its /health answers. The caller stops it; `stopAll` in an afterAll is the safety net.
 */
export async function spawnGateway(
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<GatewayProcess> {
  // `--import tsx` keeps the gateway in this one process (the tsx CLI would fork a grandchild
  // that a SIGKILL of its parent leaves running).
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...env,
      TSX_TSCONFIG_PATH: path.join(ROOT, 'apps/gateway/tsconfig.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? -1);
    }),
  );
  const url = `http://${env.HOST ?? '127.0.0.1'}:${env.PORT}`;
  const deadline = Date.now() + timeoutMs;
  let done = false;
  void exited.then(() => (done = true));
  for (;;) {
    if (done) throw new Error(`gateway exited during start:\n${out}`);
    try {
      const r = await fetch(`${url}/health`);
      await r.text();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`gateway did not answer within ${timeoutMs} ms:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url, child, output: () => out, exited, kill: (s = 'SIGTERM') => child.kill(s) };
}

const running = new Set<ChildProcess>();

/** Kills every gateway process this file started and is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(
      (c) =>
        new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}
