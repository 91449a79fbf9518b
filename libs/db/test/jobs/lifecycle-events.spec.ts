// Locks in the lifecycle announcement channel shared by the cron-worker and the gateways: payloads
// stay under PostgreSQL's NOTIFY limit and each decodes alone, listeners hear every chunk and come
// back after losing their connection, and reconciliation tells closed and missing threads apart.
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@pardon/test-env';
import pg from 'pg';
import {
  createDb,
  createLifecycleNotifier,
  decodeLifecycleEvent,
  decodeSweepRequested,
  encodeSweepRequested,
  encodeThreadsClosed,
  LIFECYCLE_CHANNEL,
  LIFECYCLE_PAYLOAD_MAX_BYTES,
  listenLifecycleEvents,
  runPoolHealth,
  runThreadCleanup,
  type Db,
  type LifecycleNotifier,
  type ThreadsClosedEvent,
} from '../../src/index';
import { testWallet } from '../../src/testing';

let database: TestDatabase;
let db: Db;
let notifier: LifecycleNotifier;
let sql: pg.Pool;
const quiet = { warn: () => undefined };

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ writeUrl: database.url, writePoolSize: 2 });
  notifier = createLifecycleNotifier(database.url);
  sql = new pg.Pool({ connectionString: database.url, max: 2 });
});
afterAll(async () => {
  await notifier?.close();
  await db?.close();
  await sql?.end();
  await database?.drop();
});

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('encodeThreadsClosed', () => {
  it('splits many ids into payloads under the NOTIFY limit that each decode on their own, in order', () => {
    const ids = Array.from({ length: 1000 }, () => randomUUID());
    const payloads = encodeThreadsClosed('session_expired', ids);
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads)
      expect(Buffer.byteLength(p)).toBeLessThanOrEqual(LIFECYCLE_PAYLOAD_MAX_BYTES);
    const decoded = payloads.map((p) => decodeLifecycleEvent(p));
    expect(decoded.every((e) => e?.reason === 'session_expired')).toBe(true);
    expect(decoded.flatMap((e) => e?.threadIds ?? [])).toEqual(ids);
  });

  it('sends nothing for no ids, and a tiny limit still puts one id per payload', () => {
    expect(encodeThreadsClosed('idle', [])).toEqual([]);
    expect(encodeThreadsClosed('idle', ['a', 'b'], 10)).toHaveLength(2);
  });

  it('ignores payloads that are not lifecycle events', () => {
    expect(decodeLifecycleEvent('not json')).toBeNull();
    expect(decodeLifecycleEvent('{"type":"other"}')).toBeNull();
    expect(decodeLifecycleEvent(undefined)).toBeNull();
  });
});

describe('listenLifecycleEvents', () => {
  it('hears every chunk of a large announcement, and again after its connection is killed', async () => {
    const events: ThreadsClosedEvent[] = [];
    let connections = 0;
    const listener = listenLifecycleEvents(database.url, (e) => events.push(e), quiet, {
      reconnectMs: 50,
      onConnected: () => connections++,
    });
    try {
      await listener.ready;
      const ids = Array.from({ length: 500 }, () => randomUUID());
      const sent = await notifier.publishClosedThreads('idle', ids);
      expect(sent).toBeGreaterThan(1);
      await until('all chunks', () => (events.length === sent ? true : undefined));
      expect(events.flatMap((e) => e.threadIds)).toEqual(ids);

      await sql.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND query = $1 AND pid <> pg_backend_pid()`,
        [`LISTEN ${LIFECYCLE_CHANNEL}`],
      );
      await until('the reconnection', () => (connections >= 2 ? true : undefined));
      const after = randomUUID();
      await notifier.publishClosedThreads('session_expired', [after]);
      await until('the event after reconnecting', () =>
        events.some((e) => e.threadIds.includes(after)) ? true : undefined,
      );
    } finally {
      await listener.close();
    }
  });
});

describe('sweep requests', () => {
  it('reach onSweepRequested and not the closed-threads handler, and thread-cleanup sends one per run', async () => {
    const closedEvents: ThreadsClosedEvent[] = [];
    const sweeps: number[] = [];
    const listener = listenLifecycleEvents(database.url, (e) => closedEvents.push(e), quiet, {
      onSweepRequested: (e) => sweeps.push(e.at),
    });
    try {
      await listener.ready;
      const result = await runThreadCleanup(db, { now: 1_234_567, notifier });
      expect(result).toMatchObject({ closedThreads: 0, sweepRequested: true });
      await until('the sweep request', () => (sweeps.length > 0 ? true : undefined));
      expect(sweeps).toEqual([1_234_567]);
      expect(closedEvents).toEqual([]);
      expect(decodeLifecycleEvent(encodeSweepRequested(1))).toBeNull();
      expect(decodeSweepRequested(encodeSweepRequested(5))).toEqual({
        type: 'sweep_requested',
        at: 5,
      });
    } finally {
      await listener.close();
    }
  });
});

describe('findClosedOrMissing', () => {
  it('reports closed threads and ids with no row, and leaves open threads out', async () => {
    const { session } = await db.sessions.openOrReuse({
      wallet: testWallet(1),
      pool: 'pool-0',
      taskId: 't',
    });
    const open = await db.threads.create({ sessionId: session.id, agentId: 'cz' });
    const closed = await db.threads.create({ sessionId: session.id, agentId: 'sbf' });
    await db.threads.close(closed.id, 'idle');
    const ghost = randomUUID();
    const result = await notifier.findClosedOrMissing([open.id, closed.id, ghost, 'not-a-uuid']);
    expect(result).toEqual({ closed: [closed.id], missing: ['not-a-uuid', ghost] });
    expect(await notifier.findClosedOrMissing([])).toEqual({ closed: [], missing: [] });
  });
});

describe('runPoolHealth', () => {
  it('reports unreachable tasks and bad bodies, and logs an error when no pool is healthy', async () => {
    const now = Date.now();
    await db.gatewayTasks.heartbeat({
      taskId: 'down',
      baseUrl: 'http://127.0.0.1:9',
      at: new Date(now),
    });
    await db.gatewayTasks.heartbeat({
      taskId: 'odd',
      baseUrl: 'http://127.0.0.1:9',
      at: new Date(now),
    });
    await db.gatewayTasks.heartbeat({
      taskId: 'stale',
      baseUrl: 'http://127.0.0.1:9',
      at: new Date(now - 3_600_000),
    });
    const logged: Array<{ level: string; msg: string | undefined }> = [];
    const logger = {
      info: (_: object, msg?: string) => logged.push({ level: 'info', msg }),
      warn: (_: object, msg?: string) => logged.push({ level: 'warn', msg }),
      error: (_: object, msg?: string) => logged.push({ level: 'error', msg }),
    };
    const result = await runPoolHealth(db, {
      now,
      logger,
      fetchHealth: async (task) => {
        if (task.taskId === 'down') throw new Error('connect ECONNREFUSED');
        return { pools: 'not a list' };
      },
    });
    expect(result).toMatchObject({
      liveTasks: 2,
      snapshots: 0,
      pools: {},
      summary: { noneHealthy: true },
      unreachableTasks: [
        { taskId: 'down', error: 'connect ECONNREFUSED' },
        { taskId: 'odd', error: 'unexpected /health body' },
      ],
    });
    expect(logged.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([
      'pool-health: no pool is healthy',
    ]);
  });
});
