// Shared setup for the database suites: one cloned database and one Db per test file.
import { createTestDatabase, type TestDatabase } from '@pardon/test-env';
import { createDb, type CreateDbOptions, type Db } from '../src';
import pg from 'pg';

export interface DbFixture {
  db: Db;
  database: TestDatabase;
  /** Direct SQL on the same database, to arrange timestamps and inspect rows. */
  sql: pg.Pool;
}

export const MINUTE_MS = 60_000;

/** Registers beforeAll/afterAll hooks; the returned getter is valid inside tests. */
export function useTestDb(options: Partial<CreateDbOptions> = {}): () => DbFixture {
  let fixture: DbFixture | undefined;
  beforeAll(async () => {
    const database = await createTestDatabase();
    fixture = {
      database,
      db: createDb({ writeUrl: database.url, writePoolSize: 4, ...options }),
      sql: new pg.Pool({ connectionString: database.url, max: 2 }),
    };
  });
  afterAll(async () => {
    if (!fixture) return;
    await fixture.db.close();
    await fixture.sql.end();
    await fixture.database.drop();
  });
  return () => {
    if (!fixture) throw new Error('useTestDb: database not ready');
    return fixture;
  };
}

export async function count(sql: pg.Pool, table: string, where = 'true', params: unknown[] = []) {
  const { rows } = await sql.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${table} WHERE ${where}`,
    params,
  );
  return Number(rows[0]?.n ?? 0);
}
