import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ensureMotoVenv, type EnsureMotoVenvOptions } from './moto-venv';

const READY_DEADLINE_MS = 30_000;
const READY_POLL_MS = 100;
const STOP_GRACE_MS = 5_000;

export interface MotoServer {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

/** A free loopback port (the OS picks it; the window before moto binds it is tiny). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(
  endpoint: string,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`test-env: moto_server exited before it was ready:\n${output()}`);
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) return;
    } catch {
      // not listening yet: poll again until the deadline
    }
    if (Date.now() > deadline)
      throw new Error(
        `test-env: moto_server not ready after ${READY_DEADLINE_MS} ms:\n${output()}`,
      );
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
}

/**
 * Starts moto's server from the pinned virtualenv on a free 127.0.0.1 port. The server stops on
 * `stop()`, and by itself when this process dies (its stdin pipe closes; see moto_with_parent.py).
 */
export async function startMotoServer(options: EnsureMotoVenvOptions = {}): Promise<MotoServer> {
  const { python } = await ensureMotoVenv(options);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(
    python,
    [join(__dirname, 'moto_with_parent.py'), '-H', '127.0.0.1', '-p', String(port)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    },
  );
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString('utf8').split('\n'));
    if (lines.length > 50) lines.splice(0, lines.length - 50);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // The pipes and the child must not keep a finished test run alive.
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr])
    (s as unknown as { unref?: () => void })?.unref?.();

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitReady(endpoint, child, () => lines.join('\n'));
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, pid: child.pid ?? 0, stop };
}
