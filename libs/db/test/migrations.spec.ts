// Locks in the migrations: `prisma migrate deploy` (the production path, offline WASM engine)
// applies the committed migrations to an empty database, and the result is the same schema, with
// the same bookkeeping, as the fast pg applier the test provider uses for its template.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@pardon/test-env';
import pg from 'pg';

const WORKSPACE_ROOT = path.resolve(__dirname, '../../..');
const DEPLOY_TIMEOUT_MS = 90_000;

let deployed: TestDatabase;
let template: TestDatabase;

beforeAll(async () => {
  [deployed, template] = await Promise.all([
    createTestDatabase({ empty: true }),
    createTestDatabase(),
  ]);
});
afterAll(async () => {
  await Promise.all([deployed?.drop(), template?.drop()]);
});

/**
 * Runs `prisma migrate deploy` and resolves once it reports success. The CLI lingers for many
 * seconds after finishing (a timer in the WASM engine), so it is ended once its work is done.
 */
function migrateDeploy(databaseUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        require.resolve('prisma/build/index.js'),
        'migrate',
        'deploy',
        '--config',
        'libs/db/prisma.config.ts',
      ],
      {
        cwd: WORKSPACE_ROOT,
        env: { ...process.env, DATABASE_URL: databaseUrl },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    const finish = (error?: Error) => {
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGTERM');
      if (error) reject(error);
      else resolve(output);
    };
    const timer = setTimeout(
      () => finish(new Error(`migrate deploy timed out:\n${output}`)),
      DEPLOY_TIMEOUT_MS,
    );
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('All migrations have been successfully applied')) finish();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('exit', (code) => {
      if (output.includes('All migrations have been successfully applied')) finish();
      else finish(new Error(`migrate deploy exited with ${code}:\n${output}`));
    });
  });
}

async function describeSchema(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const q = async (sql: string) => (await client.query(sql)).rows;
    return {
      columns: await q(`SELECT table_name, column_name, data_type, is_nullable, column_default
                        FROM information_schema.columns WHERE table_schema = 'public'
                        ORDER BY table_name, column_name`),
      indexes: await q(`SELECT tablename, indexname, indexdef FROM pg_indexes
                        WHERE schemaname = 'public' ORDER BY tablename, indexname`),
      constraints:
        await q(`SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def
                            FROM pg_constraint WHERE connamespace = 'public'::regnamespace
                            ORDER BY 1, 2`),
      migrations:
        await q(`SELECT migration_name, checksum, applied_steps_count, finished_at IS NOT NULL AS finished
                           FROM _prisma_migrations ORDER BY migration_name`),
    };
  } finally {
    await client.end();
  }
}

test(
  'prisma migrate deploy applies every migration to an empty database',
  async () => {
    await migrateDeploy(deployed.url);
    const schema = await describeSchema(deployed.url);
    const tables = new Set(schema.columns.map((c) => c.table_name));
    for (const table of [
      'users',
      'sessions',
      'threads',
      'messages',
      'payments',
      'pool_health_snapshots',
      'gateway_tasks',
    ]) {
      expect(tables).toContain(table);
    }
    const indexes = schema.indexes.map((i) => i.indexdef as string);
    expect(indexes).toContainEqual(
      expect.stringMatching(
        /UNIQUE INDEX sessions_one_active_per_wallet_key .*WHERE \(ended_at IS NULL\)/,
      ),
    );
    // No index covers a column that every message moves: those updates stay HOT.
    expect(indexes).not.toContainEqual(
      expect.stringMatching(/\blast_(activity_at|message_at|seq|player_seq|agent_seq)\b/),
    );
    expect(schema.migrations.every((m) => m.finished)).toBe(true);

    // The provider's fast path yields the same schema and the same bookkeeping (incl. checksums).
    expect(await describeSchema(template.url)).toEqual(schema);
  },
  DEPLOY_TIMEOUT_MS + 10_000,
);

test('every foreign key column leads an index', async () => {
  const client = new pg.Client({ connectionString: template.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ fk: string }>(`
      SELECT c.conname AS fk FROM pg_constraint c
      WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
        AND NOT EXISTS (
          SELECT 1 FROM pg_index i
          WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1] AND i.indpred IS NULL
        )`);
    expect(rows.map((r) => r.fk)).toEqual([]);
  } finally {
    await client.end();
  }
});
