import { Prisma } from '../generated/prisma/client';
import { inTransaction, isUuid, toNumber, type RepoContext } from './context';
import { InvalidInputError, NotFoundError, SessionEndedError } from './errors';
import { requireText } from './sessions';
import type { ActiveCounts, ClosedThread, Thread, ThreadWithOwner } from './types';
import { assertWallet } from './wallet';

export const THREAD_COLUMNS = Prisma.raw(
  `t.id::text AS "id", t.session_id::text AS "sessionId", t.pool, t.agent_id AS "agentId",
   t.created_at AS "createdAt", t.last_message_at AS "lastMessageAt", t.closed_at AS "closedAt",
   t.close_reason AS "closeReason"`,
);

export interface AdmitThreadInput {
  sessionId: string;
  agentId: string;
  /** The wallet may hold at most this many open threads (this one included). */
  maxOpenPerWallet: number;
  /** The session's pool on its task may hold at most this many open threads. */
  poolCapacity: number;
  /** A load the pool is known to carry beyond its rows (e.g. threads rebuilt on a bus). */
  poolLoadAtLeast?: number;
}

export type AdmitThreadResult =
  | { admitted: true; thread: ThreadWithOwner }
  | { admitted: false; reason: 'wallet_limit'; open: number; limit: number }
  | { admitted: false; reason: 'pool_full'; pool: string; load: number; capacity: number };

export interface ThreadsRepository {
  /** Opens a thread with `agentId` in the session's pool; the session must be active. */
  create(input: { sessionId: string; agentId: string }): Promise<Thread>;
  /**
   * Opens a thread like `create`, but only while the wallet holds fewer than `maxOpenPerWallet`
   * open threads and the session's (task, pool) fewer than `poolCapacity`. Both counts and the
   * insert run in one transaction under advisory locks on the wallet and on the pool, so requests
   * racing on any number of tasks can never overshoot either limit. Refusals change nothing.
   */
  createAdmitted(input: AdmitThreadInput): Promise<AdmitThreadResult>;
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

    createAdmitted: (input) => {
      const { sessionId, agentId, maxOpenPerWallet, poolCapacity, poolLoadAtLeast = 0 } = input;
      requireText('agentId', agentId);
      for (const [name, value] of Object.entries({ maxOpenPerWallet, poolCapacity })) {
        if (!Number.isInteger(value) || value < 1) {
          return Promise.reject(new InvalidInputError(name, `${name} must be a positive integer`));
        }
      }
      if (!isUuid(sessionId)) return Promise.reject(new NotFoundError('session', sessionId));
      return ctx.run('threads.createAdmitted', () =>
        inTransaction(ctx.writerPool, async (client): Promise<AdmitThreadResult> => {
          const sessions = await client.query<{
            wallet: string;
            pool: string;
            taskId: string;
            endedAt: Date | null;
          }>(
            `SELECT wallet, pool, task_id AS "taskId", ended_at AS "endedAt"
             FROM sessions WHERE id = $1::uuid`,
            [sessionId],
          );
          const session = sessions.rows[0];
          if (!session) throw new NotFoundError('session', sessionId);
          if (session.endedAt) throw new SessionEndedError(sessionId);
          // Always the wallet's lock before the pool's, so two admissions never deadlock.
          const lock = `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`;
          await client.query(lock, [`threads:wallet:${session.wallet}`]);
          const open = await client.query<{ n: string }>(
            `SELECT count(*) AS n FROM threads t JOIN sessions s ON s.id = t.session_id
             WHERE s.wallet = $1 AND t.closed_at IS NULL`,
            [session.wallet],
          );
          const openCount = Number(open.rows[0]?.n ?? 0);
          if (openCount >= maxOpenPerWallet) {
            return {
              admitted: false,
              reason: 'wallet_limit',
              open: openCount,
              limit: maxOpenPerWallet,
            };
          }
          await client.query(lock, [`threads:pool:${session.taskId}:${session.pool}`]);
          const inPool = await client.query<{ n: string }>(
            `SELECT count(*) AS n FROM threads t JOIN sessions s ON s.id = t.session_id
             WHERE s.task_id = $1 AND s.pool = $2 AND t.closed_at IS NULL`,
            [session.taskId, session.pool],
          );
          const load = Math.max(Number(inPool.rows[0]?.n ?? 0), poolLoadAtLeast);
          if (load >= poolCapacity) {
            return {
              admitted: false,
              reason: 'pool_full',
              pool: session.pool,
              load,
              capacity: poolCapacity,
            };
          }
          const rows = await client.query<Thread>(
            `INSERT INTO threads AS t (session_id, pool, agent_id) VALUES ($1::uuid, $2, $3)
             RETURNING ${THREAD_COLUMNS.text}`,
            [sessionId, session.pool, agentId],
          );
          const thread = rows.rows[0] as Thread;
          return {
            admitted: true,
            thread: { ...thread, wallet: session.wallet, sessionEndedAt: null },
          };
        }),
      );
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
