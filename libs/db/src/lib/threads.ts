import { Prisma } from '../generated/prisma/client';
import { isUuid, toNumber, type RepoContext } from './context';
import { InvalidInputError, NotFoundError, SessionEndedError } from './errors';
import { requireText } from './sessions';
import type { ActiveCounts, ClosedThread, Thread, ThreadWithOwner } from './types';
import { assertWallet } from './wallet';

export const THREAD_COLUMNS = Prisma.raw(
  `t.id::text AS "id", t.session_id::text AS "sessionId", t.pool, t.agent_id AS "agentId",
   t.created_at AS "createdAt", t.last_message_at AS "lastMessageAt", t.closed_at AS "closedAt",
   t.close_reason AS "closeReason"`,
);

export interface ThreadsRepository {
  /** Opens a thread with `agentId` in the session's pool; the session must be active. */
  create(input: { sessionId: string; agentId: string }): Promise<Thread>;
  /** The thread with the wallet that owns it (for ownership checks), or null. */
  get(threadId: string): Promise<ThreadWithOwner | null>;
  /** The wallet's threads, newest first (open and closed unless `openOnly`). */
  listForWallet(
    wallet: string,
    options?: { openOnly?: boolean; limit?: number },
  ): Promise<Thread[]>;
  /** Closes the thread if it is open; false when it was already closed or does not exist. */
  close(threadId: string, reason: string): Promise<boolean>;
  /** Closes open threads whose session has ended (normally done together with ending it). */
  closeThreadsOfEndedSessions(options?: { batchSize?: number }): Promise<ClosedThread[]>;
  /** Closes open threads with no message (or, without messages, no creation) since `cutoff`. */
  closeIdle(input: { cutoff: Date; batchSize?: number; reason?: string }): Promise<ClosedThread[]>;
  /** Active sessions and open threads per pool and per (task, pool), read from the writer. */
  countActive(): Promise<ActiveCounts>;
}

const DEFAULT_LIST_LIMIT = 100;

export function threadsRepository(ctx: RepoContext): ThreadsRepository {
  const closeBatches = async (
    operation: string,
    batch: () => Promise<ClosedThread[]>,
    batchSize: number,
  ): Promise<ClosedThread[]> => {
    const closed: ClosedThread[] = [];
    for (;;) {
      const rows = await ctx.run(operation, batch);
      closed.push(...rows);
      if (rows.length < batchSize) return closed;
    }
  };

  return {
    create: ({ sessionId, agentId }) => {
      requireText('agentId', agentId);
      if (!isUuid(sessionId)) return Promise.reject(new NotFoundError('session', sessionId));
      return ctx.run('threads.create', async () => {
        const rows = await ctx.writer.$queryRaw<Thread[]>`
          INSERT INTO threads AS t (session_id, pool, agent_id)
          SELECT s.id, s.pool, ${agentId} FROM sessions s
          WHERE s.id = ${sessionId}::uuid AND s.ended_at IS NULL
          RETURNING ${THREAD_COLUMNS}`;
        if (rows[0]) return rows[0];
        const session = await ctx.writer.session.findUnique({
          where: { id: sessionId },
          select: { endedAt: true },
        });
        throw session ? new SessionEndedError(sessionId) : new NotFoundError('session', sessionId);
      });
    },

    get: (threadId) => {
      if (!isUuid(threadId)) return Promise.resolve(null);
      return ctx.run('threads.get', async () => {
        const rows = await ctx.writer.$queryRaw<ThreadWithOwner[]>`
          SELECT ${THREAD_COLUMNS}, s.wallet, s.ended_at AS "sessionEndedAt"
          FROM threads t JOIN sessions s ON s.id = t.session_id
          WHERE t.id = ${threadId}::uuid`;
        return rows[0] ?? null;
      });
    },

    listForWallet: (wallet, { openOnly = false, limit = DEFAULT_LIST_LIMIT } = {}) => {
      assertWallet(wallet);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new InvalidInputError('limit', 'limit must be an integer in [1, 1000]');
      }
      return ctx.run(
        'threads.listForWallet',
        () =>
          ctx.writer.$queryRaw<Thread[]>`
          SELECT ${THREAD_COLUMNS}
          FROM sessions s JOIN threads t ON t.session_id = s.id
          WHERE s.wallet = ${wallet} ${openOnly ? Prisma.sql`AND t.closed_at IS NULL` : Prisma.empty}
          ORDER BY t.created_at DESC, t.id
          LIMIT ${limit}`,
      );
    },

    close: (threadId, reason) => {
      requireText('reason', reason);
      if (!isUuid(threadId)) return Promise.resolve(false);
      return ctx.run('threads.close', async () => {
        const count = await ctx.writer.$executeRaw`
          UPDATE threads SET closed_at = now(), close_reason = ${reason}, updated_at = now()
          WHERE id = ${threadId}::uuid AND closed_at IS NULL`;
        return count > 0;
      });
    },

    closeThreadsOfEndedSessions: ({ batchSize = 1000 } = {}) =>
      closeBatches(
        'threads.closeThreadsOfEndedSessions',
        () =>
          ctx.writer.$queryRaw<ClosedThread[]>`
            WITH picked AS (
              SELECT t.id FROM threads t JOIN sessions s ON s.id = t.session_id
              WHERE t.closed_at IS NULL AND s.ended_at IS NOT NULL
              LIMIT ${batchSize}
              FOR UPDATE OF t SKIP LOCKED
            )
            UPDATE threads t SET closed_at = now(), close_reason = 'session_ended', updated_at = now()
            WHERE t.id = ANY (ARRAY(SELECT id FROM picked))
            RETURNING t.id::text AS "threadId", t.session_id::text AS "sessionId", t.pool,
                      t.agent_id AS "agentId"`,
        batchSize,
      ),

    closeIdle: ({ cutoff, batchSize = 1000, reason = 'idle' }) => {
      if (!(cutoff instanceof Date) || Number.isNaN(cutoff.getTime())) {
        throw new InvalidInputError('cutoff', 'cutoff must be a valid Date');
      }
      return closeBatches(
        'threads.closeIdle',
        () =>
          ctx.writer.$queryRaw<ClosedThread[]>`
            WITH picked AS (
              SELECT id FROM threads
              WHERE closed_at IS NULL AND COALESCE(last_message_at, created_at) <= ${cutoff}
              LIMIT ${batchSize}
              FOR UPDATE SKIP LOCKED
            )
            UPDATE threads t SET closed_at = now(), close_reason = ${reason}, updated_at = now()
            WHERE t.id = ANY (ARRAY(SELECT id FROM picked))
            RETURNING t.id::text AS "threadId", t.session_id::text AS "sessionId", t.pool,
                      t.agent_id AS "agentId"`,
        batchSize,
      );
    },

    countActive: () =>
      ctx.run('threads.countActive', async () => {
        const rows = await ctx.writer.$queryRaw<
          Array<{ pool: string; taskId: string; sessions: bigint; threads: bigint }>
        >`
          WITH s AS (
            SELECT pool, task_id, count(*) AS sessions FROM sessions
            WHERE ended_at IS NULL GROUP BY pool, task_id
          ), t AS (
            SELECT ses.pool, ses.task_id, count(*) AS threads
            FROM threads th JOIN sessions ses ON ses.id = th.session_id
            WHERE th.closed_at IS NULL GROUP BY ses.pool, ses.task_id
          )
          SELECT COALESCE(s.pool, t.pool) AS pool, COALESCE(s.task_id, t.task_id) AS "taskId",
                 COALESCE(s.sessions, 0) AS sessions, COALESCE(t.threads, 0) AS threads
          FROM s FULL JOIN t ON s.pool = t.pool AND s.task_id = t.task_id
          ORDER BY 1, 2`;
        const pools = new Map<string, { activeSessions: number; activeThreads: number }>();
        const tasks = rows.map((row) => {
          const activeSessions = toNumber(row.sessions);
          const activeThreads = toNumber(row.threads);
          const pool = pools.get(row.pool) ?? { activeSessions: 0, activeThreads: 0 };
          pool.activeSessions += activeSessions;
          pool.activeThreads += activeThreads;
          pools.set(row.pool, pool);
          return { taskId: row.taskId, pool: row.pool, activeSessions, activeThreads };
        });
        return {
          pools: [...pools.entries()].map(([pool, c]) => ({ pool, ...c })),
          tasks,
        };
      }),
  };
}
