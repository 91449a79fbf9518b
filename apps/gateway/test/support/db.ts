import { createTestDatabase } from '@pardon/test-env';
import { Client } from 'pg';

export interface TestDb {
  url: string;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** A fresh migrated database for one test file, with a client to inspect it. */
export async function createTestDb(): Promise<TestDb> {
  const db = await createTestDatabase();
  const client = new Client({ connectionString: db.url });
  await client.connect();
  return {
    url: db.url,
    query: async (sql, params = []) => (await client.query(sql, params)).rows,
    drop: async () => {
      await client.end();
      await db.drop();
    },
  };
}
