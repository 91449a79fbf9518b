// Locks in behaviour when PostgreSQL goes away: a write caught mid-flight by a server shutdown is
// retried and completes exactly once when the server is back within the retry budget; past the
// budget the caller gets DatabaseUnavailableError and nothing is half-written. Uses a server of
// its own, since it stops it.
import { applyMigrations, startPostgresServer, type PostgresServer } from '@pardon/test-env';
import { createDb, DatabaseUnavailableError, type Db } from '../src';
import { randomWallet, recordingLogger } from '../src/testing';
import pg from 'pg';

let server: PostgresServer;

beforeAll(async () => {
  server = await startPostgresServer();
  await applyMigrations(server.url);
}, 60_000);
afterAll(async () => {
  await server?.close();
});

async function rows(query: string, params: unknown[] = []): Promise<number> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    const { rows: r } = await client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${query}`,
      params,
    );
    return Number(r[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/** Waits (with a deadline) until `predicate` holds. */
async function until(predicate: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a write interrupted by a server shutdown completes once after the server returns', async () => {
  const logger = recordingLogger();
  const db: Db = createDb({
    writeUrl: server.url,
    writePoolSize: 2,
    logger,
    connectTimeoutMs: 1_000,
    retry: { maxAttempts: 30, maxElapsedMs: 20_000, baseDelayMs: 50, maxDelayMs: 300 },
  });
  const blocker = new pg.Client({ connectionString: server.url });
  blocker.on('error', () => undefined); // the shutdown below terminates this connection on purpose
  try {
    const wallet = randomWallet();
    const { session } = await db.sessions.openOrReuse({ wallet, pool: 'pool-0', taskId: 't' });
    const thread = await db.threads.create({ sessionId: session.id, agentId: 'cz' });

    // Hold the thread's row lock so the append is provably in flight when the server stops.
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM threads WHERE id = $1 FOR UPDATE', [thread.id]);
    const append = db.messages.append({
      threadId: thread.id,
      senderId: wallet,
      content: 'survives the outage',
      clientMessageId: 'outage-1',
    });
    await until(async () => (await rows(`pg_stat_activity WHERE wait_event_type = 'Lock'`)) > 0);

    // A fast shutdown ends the backends in no set order: when the lock holder goes first, the
    // in-flight append may still commit before its own backend ends. Either way it must be stored
    // once. A second write started while the server is down must retry until it is back.
    await server.stop();
    const duringOutage = db.messages.append({
      threadId: thread.id,
      senderId: wallet,
      content: 'sent while the server is down',
      clientMessageId: 'outage-2',
    });
    await until(async () =>
      logger.warnings.some(
        (w) => (w.obj as { operation?: string }).operation === 'messages.append',
      ),
    );
    await server.start();

    const [first, second] = await Promise.all([append, duringOutage]);
    expect(first).toMatchObject({ created: true, message: { content: 'survives the outage' } });
    expect(second).toMatchObject({
      created: true,
      message: { content: 'sent while the server is down' },
    });
    expect(
      await rows('messages WHERE thread_id = $1 AND client_message_id = $2', [
        thread.id,
        'outage-1',
      ]),
    ).toBe(1);
    expect(await rows('messages WHERE thread_id = $1', [thread.id])).toBe(2);
  } finally {
    await blocker.end().catch(() => undefined);
    await db.close();
  }
}, 60_000);

test('past the retry budget the caller gets DatabaseUnavailableError and nothing is written', async () => {
  const logger = recordingLogger();
  const db: Db = createDb({
    writeUrl: server.url,
    writePoolSize: 2,
    logger,
    connectTimeoutMs: 500,
    retry: { maxAttempts: 100, maxElapsedMs: 1_200, baseDelayMs: 50, maxDelayMs: 200 },
  });
  const wallet = randomWallet();
  try {
    await server.stop();
    expect(await db.ping()).toBe(false);
    const started = Date.now();
    const error = await db.sessions
      .openOrReuse({ wallet, pool: 'pool-0', taskId: 't' })
      .catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as DatabaseUnavailableError).operation).toBe('sessions.openOrReuse');
    expect((error as Error).message).toMatch(/database unavailable/);
    expect(elapsed).toBeLessThan(5_000);
    expect(logger.warnings.length).toBeGreaterThan(0);
  } finally {
    await server.start();
  }
  try {
    expect(await db.ping()).toBe(true);
  } finally {
    await db.close();
  }
  expect(await rows('users WHERE wallet = $1', [wallet])).toBe(0);
  expect(await rows('sessions WHERE wallet = $1', [wallet])).toBe(0);
}, 60_000);
