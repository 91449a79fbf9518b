// Locks in the PostgreSQL provider: servers stop and start on the same port keeping their data,
// never outlive the process that started them (even one killed with SIGKILL), and the Jest global
// setup gives each test file its own migrated database, cleaned up by the global teardown.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import pg from 'pg';
import postgresGlobalSetup from '../jest/postgres-global-setup';
import postgresGlobalTeardown from '../jest/postgres-global-teardown';
import { applyMigrations } from './migrations';
import { createTestDatabase, TEST_PG_ADMIN_URL_ENV, TEST_PG_TEMPLATE_ENV } from './provider';
import { startPostgresServer } from './server';

jest.setTimeout(60_000);

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function until(predicate: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function queryOne(url: string, sql: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows[0];
  } finally {
    await client.end();
  }
}

test('a server keeps its data across stop and start on the same port, and close removes it', async () => {
  const server = await startPostgresServer();
  try {
    await queryOne(server.url, 'CREATE TABLE kept (v int)');
    await queryOne(server.url, 'INSERT INTO kept VALUES (42)');
    await server.stop();
    expect(await portAccepts(server.port)).toBe(false);
    await server.start();
    expect(await queryOne(server.url, 'SELECT v FROM kept')).toEqual({ v: 42 });
  } finally {
    await server.close();
  }
  expect(await portAccepts(server.port)).toBe(false);
  expect(existsSync(server.dataDir)).toBe(false);
});

test('the server stops when the process that started it is killed without any cleanup', async () => {
  const parent = spawn(
    process.execPath,
    ['--require', require.resolve('tsx/cjs'), path.join(__dirname, 'fixtures', 'orphan-parent.ts')],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const line = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: parent.stdout }).once('line', resolve);
      parent.once('exit', (code) => reject(new Error(`fixture exited early (${code})`)));
    });
    const { port, dataDir } = JSON.parse(line) as { port: number; dataDir: string };
    expect(await portAccepts(port)).toBe(true);
    parent.kill('SIGKILL');
    await until(async () => !(await portAccepts(port)), 20_000);
    await until(async () => !existsSync(dataDir), 20_000);
  } finally {
    if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
  }
});

test('global setup gives each test file its own migrated database; teardown stops the server', async () => {
  const saved = { ...process.env };
  delete process.env['DATABASE_URL'];
  try {
    await postgresGlobalSetup();
    const adminUrl = process.env[TEST_PG_ADMIN_URL_ENV] ?? '';
    expect(process.env[TEST_PG_TEMPLATE_ENV]).toBeTruthy();
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    await queryOne(
      a.url,
      `INSERT INTO gateway_tasks (task_id, base_url) VALUES ('only-in-a', 'http://x')`,
    );
    expect(await queryOne(a.url, 'SELECT count(*)::int AS n FROM gateway_tasks')).toEqual({ n: 1 });
    expect(await queryOne(b.url, 'SELECT count(*)::int AS n FROM gateway_tasks')).toEqual({ n: 0 });
    expect(await applyMigrations(b.url)).toEqual([]); // already migrated: nothing to apply
    await a.drop();
    expect(
      await queryOne(
        adminUrl,
        `SELECT count(*)::int AS n FROM pg_database WHERE datname = '${a.name}'`,
      ),
    ).toEqual({ n: 0 });
    await b.drop();
    const port = Number(new URL(adminUrl).port);
    await postgresGlobalTeardown();
    expect(await portAccepts(port)).toBe(false);
  } finally {
    process.env = saved;
  }
});

test('createTestDatabase explains what is missing without the global setup', async () => {
  const saved = { ...process.env };
  delete process.env[TEST_PG_ADMIN_URL_ENV];
  try {
    await expect(createTestDatabase()).rejects.toThrow(/globalSetup/);
  } finally {
    process.env = saved;
  }
});
