// Jest globalSetup: one PostgreSQL server and one migrated template database per test run. Test
// files call createTestDatabase() to get a clone of the template. Pair with
// postgres-global-teardown.ts:
//   globalSetup: '<rootDir>/../../tools/test-env/src/jest/postgres-global-setup.ts',
//   globalTeardown: '<rootDir>/../../tools/test-env/src/jest/postgres-global-teardown.ts',
import {
  acquirePostgres,
  createMigratedTemplate,
  TEST_PG_ADMIN_URL_ENV,
  TEST_PG_TEMPLATE_ENV,
} from '../postgres/provider';
import { RUN_STATE_KEY, type PostgresRunState } from './postgres-run-state';

export default async function postgresGlobalSetup(): Promise<void> {
  const postgres = await acquirePostgres();
  let template: string;
  try {
    template = await createMigratedTemplate(postgres.adminUrl);
  } catch (error) {
    await postgres.release();
    throw error;
  }
  const state: PostgresRunState = { postgres, template };
  (globalThis as Record<string, unknown>)[RUN_STATE_KEY] = state;
  // Workers are forked after global setup, so they inherit these.
  process.env[TEST_PG_ADMIN_URL_ENV] = postgres.adminUrl;
  process.env[TEST_PG_TEMPLATE_ENV] = template;
}
