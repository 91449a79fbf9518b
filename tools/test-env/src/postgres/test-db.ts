// A test file's own database, the way every suite takes it: cloned from the run's migrated template,
// with SQL on it to arrange and inspect rows and, when the caller says how, its own client (a Db).
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from './provider';

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
