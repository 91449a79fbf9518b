import { createTestDatabase, type TestDatabase } from '@pardon/test-env';
import { createDb, type Db } from '@pardon/db';
import pg from 'pg';

export interface DbFixture {
  db: Db;
  database: TestDatabase;
  sql: pg.Pool;
}

/** One cloned database per test file, with a Db and a raw pool for arranging rows. */
export function useTestDb(): () => DbFixture {
  let fixture: DbFixture | undefined;
  beforeAll(async () => {
    const database = await createTestDatabase();
    fixture = {
      database,
      db: createDb({ writeUrl: database.url, writePoolSize: 3 }),
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
