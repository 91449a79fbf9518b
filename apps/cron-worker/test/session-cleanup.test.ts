// Locks in session-cleanup end to end through the real `cron-worker --once` process: the 60 min
// boundary (idle exactly 60 min is expired, 1 ms less is not), threads closed with their session,
// and the gateways told over LISTEN/NOTIFY.
import { createDb, listenLifecycleEvents, type ThreadsClosedEvent } from '@pardon/db';
import { useTestDb } from '@pardon/test-env';
import { eventually } from '@pardon/topology';
import { rowState, seedSession } from './support/seed';
import { runOnce, stderrText, stopAllWorkers } from './support/worker';

const MINUTE_MS = 60_000;
const getDb = useTestDb((url) => createDb({ writeUrl: url, writePoolSize: 3 }));
afterAll(stopAllWorkers);

describe('session-cleanup', () => {
  it('ends sessions idle exactly 60 minutes, keeps one idle 1 ms less, and announces the closed threads', async () => {
    const { db, sql, database } = getDb();
    const now = new Date('2026-11-28T12:00:00.000Z');
    const expired = await seedSession(db, sql, {
      lastActivityAt: new Date(now.getTime() - 60 * MINUTE_MS),
      threads: 2,
    });
    const fresh = await seedSession(db, sql, {
      lastActivityAt: new Date(now.getTime() - 60 * MINUTE_MS + 1),
    });

    const events: ThreadsClosedEvent[] = [];
    const listener = listenLifecycleEvents(database.url, (e) => events.push(e), {
      warn: () => undefined,
    });
    try {
      await listener.ready;
      const { code, result, proc } = await runOnce(
        'session-cleanup',
        { DATABASE_URL: database.url, METRICS_SINK: 'off' },
        ['--now', now.toISOString()],
      );
      expect({ code, stderr: code === 0 ? '' : stderrText(proc) }).toEqual({
        code: 0,
        stderr: '',
      });
      expect(result).toMatchObject({
        job: 'session-cleanup',
        cutoff: '2026-11-28T11:00:00.000Z',
        expiredSessions: 1,
        closedThreads: 2,
        notifyFailed: false,
      });
      expect(new Set(result?.['closedThreadIds'] as string[])).toEqual(new Set(expired.threadIds));

      expect(await rowState(sql, 'sessions', expired.sessionId)).toEqual({
        ended: true,
        reason: 'idle',
      });
      expect(await rowState(sql, 'sessions', fresh.sessionId)).toEqual({
        ended: false,
        reason: null,
      });
      for (const id of expired.threadIds) {
        expect(await rowState(sql, 'threads', id)).toEqual({
          ended: true,
          reason: 'session_expired',
        });
      }
      expect(await rowState(sql, 'threads', fresh.threadIds[0] as string)).toMatchObject({
        ended: false,
      });

      const announced = await eventually(
        'the lifecycle notification',
        () => (events.length > 0 ? events : undefined),
        10_000,
      );
      expect(announced).toEqual([
        { type: 'threads_closed', reason: 'session_expired', threadIds: expect.any(Array) },
      ]);
      expect(new Set(announced[0]?.threadIds)).toEqual(new Set(expired.threadIds));
    } finally {
      await listener.close();
    }
  });

  it('is idempotent: a second run ends nothing and announces nothing', async () => {
    const { sql, database } = getDb();
    const before = await sql.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM sessions WHERE ended_at IS NULL',
    );
    const { code, result } = await runOnce(
      'session-cleanup',
      { DATABASE_URL: database.url, METRICS_SINK: 'off' },
      ['--now', '2026-11-28T12:00:00.000Z'],
    );
    expect(code).toBe(0);
    expect(result).toMatchObject({ expiredSessions: 0, closedThreads: 0, notifications: 0 });
    const after = await sql.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM sessions WHERE ended_at IS NULL',
    );
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });
});
