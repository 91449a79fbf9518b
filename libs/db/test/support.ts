// Shared setup for the database suites: one cloned database and one Db per test file.
import { useTestDb as useDatabase, type TestDbWith } from '@pardon/test-env';
import { createDb, type CreateDbOptions, type Db } from '../src';
import type pg from 'pg';

/** The file's database (`database`), its Db, and direct SQL (`sql`) to arrange and inspect rows. */
export type DbFixture = TestDbWith<Db>;

export const MINUTE_MS = 60_000;

/**
 * `useTestDb` of @pardon/test-env (hooks, cloning, cleanup) with a Db of four connections on the
 * file's database; the returned getter is valid inside tests.
 */
export function useTestDb(options: Partial<CreateDbOptions> = {}): () => DbFixture {
  return useDatabase((url) => createDb({ writeUrl: url, writePoolSize: 4, ...options }));
}

export async function count(sql: pg.Pool, table: string, where = 'true', params: unknown[] = []) {
  const { rows } = await sql.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${table} WHERE ${where}`,
    params,
  );
  return Number(rows[0]?.n ?? 0);
}
