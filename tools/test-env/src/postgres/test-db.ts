// A test file's own database, the way every suite takes it: cloned from the run's migrated template,
// with SQL on it to arrange and inspect rows and, when the caller says how, its own client (a Db).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import {
  createMigratedTemplate,
  createTestDatabase,
  TEST_PG_ADMIN_URL_ENV,
  type TestDatabase,
} from './provider';
import {
  pauseReplay,
  replicationLag,
  resumeReplay,
  startPrimaryWithReplica,
  startStreamingReplica,
  waitForReplay,
  type PostgresReplica,
  type PrimaryWithReplica,
  type ReplicationLag,
} from './replica';

/** What `connect` opens on the database: closed before the database is dropped. */
export interface Closable {
  close(): Promise<void>;
}

/** A test file's database with a small pool of direct SQL on it. */
export interface TestDb {
  database: TestDatabase;
  /** Connection URL of the database (`database.url`). */
  url: string;
  /** Direct SQL (two connections), to arrange timestamps and inspect rows. */
  sql: pg.Pool;
  /** One statement through `sql`; resolves with its rows. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Closes `db` (if any) and `sql`, then drops the database. Safe to call twice. */
  drop(): Promise<void>;
}

/** A `TestDb` with the client `connect` opened on it (e.g. `createDb` of @pardon/db). */
export type TestDbWith<C> = TestDb & { db: C };

/**
 * Creates the database now; the caller drops it (`await fixture.drop()` in its `afterAll`). Prefer
 * `useTestDb`, which registers both hooks; this is for suites that order their own setup.
 */
export async function openTestDb(): Promise<TestDb>;
export async function openTestDb<C extends Closable>(
  connect: (url: string) => C,
): Promise<TestDbWith<C>>;
export async function openTestDb<C extends Closable>(
  connect?: (url: string) => C,
): Promise<TestDb | TestDbWith<C>> {
  const database = await createTestDatabase();
  const sql = new pg.Pool({ connectionString: database.url, max: 2 });
  // An idle connection's error is not a test's: `end()` resolves before the backends have exited,
  // so the drop's FORCE can reach a closing connection ("terminating connection due to
  // administrator command") and, unheard, the pool's 'error' event fails whichever test runs.
  // Queries still reject with their own errors.
  sql.on('error', () => undefined);
  const db = connect?.(database.url);
  let dropped: Promise<void> | undefined;
  const fixture: TestDb = {
    database,
    url: database.url,
    sql,
    query: async <T>(text: string, params: unknown[] = []) =>
      (await sql.query(text, params)).rows as T[],
    drop: () =>
      (dropped ??= (async () => {
        await db?.close();
        await sql.end();
        await database.drop();
      })()),
  };
  return db === undefined ? fixture : { ...fixture, db };
}

/**
 * One database per test file: registers a `beforeAll` that creates it (and opens `connect` on it)
 * and an `afterAll` that closes and drops it. The returned getter is valid inside tests and hooks
 * declared after this call:
 *
 * ```ts
 * const getDb = useTestDb((url) => createDb({ writeUrl: url, writePoolSize: 3 }));
 * it('…', async () => { const { db, sql } = getDb(); … });
 * ```
 */
export function useTestDb(): () => TestDb;
export function useTestDb<C extends Closable>(connect: (url: string) => C): () => TestDbWith<C>;
export function useTestDb<C extends Closable>(
  connect?: (url: string) => C,
): () => TestDb | TestDbWith<C> {
  let fixture: TestDb | TestDbWith<C> | undefined;
  beforeAll(async () => {
    fixture = connect ? await openTestDb(connect) : await openTestDb();
  });
  afterAll(async () => {
    await fixture?.drop();
  });
  return () => {
    if (!fixture) throw new Error('useTestDb: database not ready');
    return fixture;
  };
}

/** A `TestDb` on the primary with the same database on a streaming standby of it. */
export interface TestDbWithReplica extends TestDb {
  /** The database on the standby (read-only, replicated from `url`). */
  readUrl: string;
  replica: PostgresReplica;
  /** Direct SQL on the standby (two connections). */
  readSql: pg.Pool;
  /** One statement through `readSql`; resolves with its rows. */
  readQuery<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Waits until the standby shows everything committed on the primary before the call. */
  waitForReplay(): Promise<void>;
  /** Stops WAL replay on the standby: reads there see the past until `resumeReplay()`. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** How far the standby's replay is behind the primary. */
  lag(): Promise<ReplicationLag>;
}

/** A `TestDbWithReplica` with the client `connect` opened on writer and reader URLs. */
export type TestDbWithReplicaWith<C> = TestDbWithReplica & { db: C };

/** Is the run's server a process on this machine whose data directory we can read? */
async function localDataDir(adminUrl: string): Promise<string | undefined> {
  const { hostname, port } = new URL(adminUrl);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) return undefined;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ dir: string }>(
      `SELECT setting AS dir FROM pg_settings WHERE name = 'data_directory'`,
    );
    const dir = rows[0]?.dir;
    if (!dir) return undefined;
    // The fourth line of postmaster.pid is the port: the very server, not a container's path.
    const pid = readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n');
    return pid[3]?.trim() === (port || '5432') ? dir : undefined;
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
}

/**
 * A test file's database on the run's server, plus a streaming hot standby of that server of the
 * file's own (`readUrl` is the same database there), for code that reads from a replica: pause
 * replay to see a lagging reader. The standby costs about a second or two per file; `openTestDb`
 * does not start one. When the run's server is not on this machine (`DATABASE_URL`, a container),
 * the file gets a private embedded primary with a migrated template instead.
 */
export async function openTestDbWithReplica(): Promise<TestDbWithReplica>;
export async function openTestDbWithReplica<C extends Closable>(
  connect: (url: string, readUrl: string) => C,
): Promise<TestDbWithReplicaWith<C>>;
export async function openTestDbWithReplica<C extends Closable>(
  connect?: (url: string, readUrl: string) => C,
): Promise<TestDbWithReplica | TestDbWithReplicaWith<C>> {
  const adminUrl = process.env[TEST_PG_ADMIN_URL_ENV];
  const dataDir = adminUrl ? await localDataDir(adminUrl) : undefined;
  let pair: PrimaryWithReplica | undefined;
  let replica: PostgresReplica;
  let database: TestDatabase;
  if (adminUrl && dataDir) {
    // Clone the database while the standby's base backup is taken: it arrives either way.
    const [started, created] = await Promise.allSettled([
      startStreamingReplica({ adminUrl, dataDir }),
      createTestDatabase(),
    ]);
    if (started.status === 'rejected' || created.status === 'rejected') {
      if (started.status === 'fulfilled') await started.value.close();
      if (created.status === 'fulfilled') await created.value.drop();
      throw started.status === 'rejected'
        ? started.reason
        : (created as PromiseRejectedResult).reason;
    }
    replica = started.value;
    database = created.value;
  } else {
    pair = await startPrimaryWithReplica();
    try {
      const template = await createMigratedTemplate(pair.primary.adminUrl);
      database = await createTestDatabase({
        server: { adminUrl: pair.primary.adminUrl, template },
      });
    } catch (error) {
      await pair.close();
      throw error;
    }
    replica = pair.replica;
  }
  const release = async (): Promise<void> => {
    try {
      await database.drop();
    } finally {
      await (pair ? pair.close() : replica.close());
    }
  };
  const readUrl = replica.urlFor(database.name);
  try {
    await waitForReplay(replica); // the new database exists on the standby
  } catch (error) {
    await release();
    throw error;
  }
  const sql = new pg.Pool({ connectionString: database.url, max: 2 });
  const readSql = new pg.Pool({ connectionString: readUrl, max: 2 });
  sql.on('error', () => undefined); // see openTestDb
  readSql.on('error', () => undefined);
  const db = connect?.(database.url, readUrl);
  let dropped: Promise<void> | undefined;
  const fixture: TestDbWithReplica = {
    database,
    url: database.url,
    readUrl,
    replica,
    sql,
    readSql,
    query: async <T>(text: string, params: unknown[] = []) =>
      (await sql.query(text, params)).rows as T[],
    readQuery: async <T>(text: string, params: unknown[] = []) =>
      (await readSql.query(text, params)).rows as T[],
    waitForReplay: () => waitForReplay(replica),
    pauseReplay: () => pauseReplay(replica),
    resumeReplay: () => resumeReplay(replica),
    lag: () => replicationLag(replica),
    drop: () =>
      (dropped ??= (async () => {
        try {
          await db?.close();
          await Promise.all([sql.end(), readSql.end()]);
        } finally {
          await release();
        }
      })()),
  };
  return db === undefined ? fixture : { ...fixture, db };
}

/**
 * `useTestDb` with a streaming standby: a `beforeAll` opens `openTestDbWithReplica(connect)`, an
 * `afterAll` closes the client, stops the standby and drops the database (also when tests fail).
 *
 * ```ts
 * const getDb = useTestDbWithReplica((url, readUrl) => createDb({ writeUrl: url, readUrl }));
 * ```
 */
export function useTestDbWithReplica(): () => TestDbWithReplica;
export function useTestDbWithReplica<C extends Closable>(
  connect: (url: string, readUrl: string) => C,
): () => TestDbWithReplicaWith<C>;
export function useTestDbWithReplica<C extends Closable>(
  connect?: (url: string, readUrl: string) => C,
): () => TestDbWithReplica | TestDbWithReplicaWith<C> {
  let fixture: TestDbWithReplica | TestDbWithReplicaWith<C> | undefined;
  beforeAll(async () => {
    fixture = connect ? await openTestDbWithReplica(connect) : await openTestDbWithReplica();
  }, 120_000);
  afterAll(async () => {
    await fixture?.drop();
  }, 60_000);
  return () => {
    if (!fixture) throw new Error('useTestDbWithReplica: database not ready');
    return fixture;
  };
}
