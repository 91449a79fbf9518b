// Locks in thread-cleanup through the real `cron-worker --once` process: threads of ended
// sessions and threads idle 30 min or more are closed and announced; a thread idle 1 ms less is not.
import { createDb, listenLifecycleEvents, type ThreadsClosedEvent } from '@pardon/db';
import { useTestDb } from '@pardon/test-env';
import { eventually } from '@pardon/topology';
import { rowState, seedSession, setThreadActivity } from './support/seed';
import { runOnce, stderrText, stopAllWorkers } from './support/worker';

const MINUTE_MS = 60_000;
const getDb = useTestDb((url) => createDb({ writeUrl: url, writePoolSize: 3 }));
afterAll(stopAllWorkers);

describe('thread-cleanup', () => {
  it('closes orphans (ended session, idle 30 min) and keeps a thread idle 1 ms less than the threshold', async () => {
    const { db, sql, database } = getDb();
    const now = new Date('2026-11-28T12:00:00.000Z');
    const at = (minutesAgo: number, plusMs = 0) =>
      new Date(now.getTime() - minutesAgo * MINUTE_MS + plusMs);

    // A session ended without its threads being closed (e.g. a crash between the two).
    const ended = await seedSession(db, sql, { lastActivityAt: at(1) });
    await sql.query(
      `UPDATE sessions SET ended_at = $2, end_reason = 'logout' WHERE id = $1::uuid`,
      [ended.sessionId, at(1)],
    );
    const live = await seedSession(db, sql, { lastActivityAt: at(1), threads: 3 });
    const [idle, almostIdle, neverSpoke] = live.threadIds as [string, string, string];
    await setThreadActivity(sql, idle, at(30));
    await setThreadActivity(sql, almostIdle, at(30, 1));
    await sql.query(
      'UPDATE threads SET last_message_at = NULL, created_at = $2 WHERE id = $1::uuid',
      [neverSpoke, at(31)],
    );

    const events: ThreadsClosedEvent[] = [];
    const listener = listenLifecycleEvents(database.url, (e) => events.push(e), {
      warn: () => undefined,
    });
    try {
      await listener.ready;
      const { code, result, proc } = await runOnce(
        'thread-cleanup',
        { DATABASE_URL: database.url, METRICS_SINK: 'off' },
        ['--now', now.toISOString()],
      );
      expect({ code, stderr: code === 0 ? '' : stderrText(proc) }).toEqual({
        code: 0,
        stderr: '',
      });
      expect(result).toMatchObject({
        job: 'thread-cleanup',
        cutoff: '2026-11-28T11:30:00.000Z',
        closedSessionEnded: 1,
        closedIdle: 2,
        closedThreads: 3,
        sweepRequested: true,
      });
      expect(await rowState(sql, 'threads', ended.threadIds[0] as string)).toEqual({
        ended: true,
        reason: 'session_ended',
      });
      expect(await rowState(sql, 'threads', idle)).toEqual({ ended: true, reason: 'idle' });
      expect(await rowState(sql, 'threads', neverSpoke)).toEqual({ ended: true, reason: 'idle' });
      expect(await rowState(sql, 'threads', almostIdle)).toEqual({ ended: false, reason: null });
      // The live session itself is thread-cleanup's to leave alone.
      expect(await rowState(sql, 'sessions', live.sessionId)).toMatchObject({ ended: false });

      await eventually(
        'both announcements',
        () => (events.length >= 2 ? events : undefined),
        10_000,
      );
      const byReason = Object.fromEntries(events.map((e) => [e.reason, new Set(e.threadIds)]));
      expect(byReason).toEqual({
        session_ended: new Set([ended.threadIds[0]]),
        idle: new Set([idle, neverSpoke]),
      });
    } finally {
      await listener.close();
    }
  });
});
