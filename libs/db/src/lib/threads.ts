import { Prisma } from '../generated/prisma/client';
import { inTransaction, isUuid, toNumber, type RepoContext } from './context';
import { InvalidInputError, NotFoundError, SessionEndedError } from './errors';
import { encodeThreadsClosed, LIFECYCLE_CHANNEL } from './jobs/lifecycle-events';
import { requireText } from './sessions';
import type { ActiveCounts, ClosedThread, Thread, ThreadWithOwner } from './types';
import { assertWallet } from './wallet';

export const THREAD_COLUMNS = Prisma.raw(
  `t.id::text AS "id", t.session_id::text AS "sessionId", t.pool, t.agent_id AS "agentId",
   t.created_at AS "createdAt", t.last_message_at AS "lastMessageAt", t.closed_at AS "closedAt",
   t.close_reason AS "closeReason"`,
);

export interface AdmitThreadInput {
  /** The session to open the thread in; or, instead, `wallet` (below). */
  sessionId?: string;
  /**
   * The wallet whose active session the thread opens in, if that session's pool is one of
   * `pools`; otherwise the result is `no_session` (one round trip fewer than looking it up first).
   */
  wallet?: string;
  pools?: readonly string[];
  agentId: string;
  /** The wallet may hold at most this many open threads (this one included). */
  maxOpenPerWallet: number;
  /** The session's pool on its task may hold at most this many open threads. */
  poolCapacity: number;
  /** A load the pool is known to carry beyond its rows (e.g. threads rebuilt on a bus). */
  poolLoadAtLeast?: number | ((pool: string) => number);
}

export type AdmitThreadResult =
  | { admitted: true; thread: ThreadWithOwner }
  | { admitted: false; reason: 'wallet_limit'; open: number; limit: number }
  | { admitted: false; reason: 'pool_full'; pool: string; load: number; capacity: number }
  | { admitted: false; reason: 'no_session' };

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
  /**
   * Closes the thread if it is open; false when it was already closed or does not exist. With
   * `announce`, a close announces itself on the lifecycle channel (`threads_closed`) in its own
   * statement: no extra round trip, and listeners hear of exactly the closes that committed.
   */
  close(threadId: string, reason: string, options?: { announce?: boolean }): Promise<boolean>;
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
      const { sessionId, wallet, agentId, maxOpenPerWallet, poolCapacity } = input;
      requireText('agentId', agentId);
      for (const [name, value] of Object.entries({ maxOpenPerWallet, poolCapacity })) {
        if (!Number.isInteger(value) || value < 1) {
          return Promise.reject(new InvalidInputError(name, `${name} must be a positive integer`));
        }
      }
      if (wallet !== undefined) assertWallet(wallet);
      else if (!isUuid(sessionId)) {
        return Promise.reject(new NotFoundError('session', String(sessionId)));
      }
      const loadOf = (pool: string): number =>
        typeof input.poolLoadAtLeast === 'function'
          ? input.poolLoadAtLeast(pool)
          : (input.poolLoadAtLeast ?? 0);
      return ctx.run('threads.createAdmitted', () =>
        inTransaction(ctx.writerPool, async (client): Promise<AdmitThreadResult> => {
          // The session and both locks in one round trip; the target list runs left to right,
          // so the wallet's lock is always taken before the pool's and two admissions never
          // deadlock. A session that ended takes them too, harmlessly (nothing is written).
          const locks = `pg_advisory_xact_lock(hashtextextended('threads:wallet:' || wallet, 0)) IS NULL,
                   pg_advisory_xact_lock(
                     hashtextextended('threads:pool:' || task_id || ':' || pool, 0)) IS NULL`;
          const sessions = await client.query<{
            id: string;
            wallet: string;
            pool: string;
            taskId: string;
            endedAt: Date | null;
          }>(
            wallet === undefined
              ? {
                  name: 'threads.createAdmitted.lock',
                  text: `SELECT id::text AS id, wallet, pool, task_id AS "taskId",
                           ended_at AS "endedAt", ${locks}
                         FROM sessions WHERE id = $1::uuid`,
                  values: [sessionId],
                }
              : {
                  name: 'threads.createAdmitted.lockByWallet',
                  text: `SELECT id::text AS id, wallet, pool, task_id AS "taskId",
                           ended_at AS "endedAt", ${locks}
                         FROM sessions
                         WHERE wallet = $1 AND ended_at IS NULL AND pool = ANY ($2::text[])`,
                  values: [wallet, input.pools ?? []],
                },
          );
          const session = sessions.rows[0];
          if (!session && wallet !== undefined) return { admitted: false, reason: 'no_session' };
          if (!session) throw new NotFoundError('session', String(sessionId));
          if (session.endedAt) throw new SessionEndedError(session.id);
          const poolLoadAtLeast = loadOf(session.pool);
          // Under both locks, in a statement (and snapshot) that starts after they are held:
          // both counts, and the insert only when both are below their limits.
          const counted = await client.query<
            Partial<Thread> & { walletOpen: string; poolOpen: string }
          >({
            // Unnamed, so planned for each call with the tables' current size: a named
            // statement keeps the generic plan it chose while they were small.
            // Open threads belong to active sessions (a session's end closes its threads in
            // the same statement), so the wallet's count starts from its active session and
            // probes that session's open threads. The pool's is kept by triggers on threads
            // (pool_open_threads): probing the pool's active sessions read every session whose
            // player had left but that had not idled out yet.
            text: `WITH w AS (
                     SELECT coalesce(sum((SELECT count(*) FROM threads t
                                          WHERE t.session_id = s.id AND t.closed_at IS NULL)), 0) AS n
                     FROM sessions s WHERE s.wallet = $1 AND s.ended_at IS NULL
                   ), p AS (
                     SELECT coalesce((SELECT open_threads FROM pool_open_threads
                                      WHERE task_id = $2 AND pool = $3), 0) AS n
                   ), ins AS (
                     INSERT INTO threads AS t (session_id, pool, agent_id)
                     SELECT $4::uuid, $3, $5 FROM w, p
                     WHERE w.n < $6 AND GREATEST(p.n, $7) < $8
                     RETURNING ${THREAD_COLUMNS.text}
                   )
                   SELECT w.n::text AS "walletOpen", p.n::text AS "poolOpen", ins.*
                   FROM w CROSS JOIN p LEFT JOIN ins ON true`,
            values: [
              session.wallet,
              session.taskId,
              session.pool,
              session.id,
              agentId,
              maxOpenPerWallet,
              poolLoadAtLeast,
              poolCapacity,
            ],
          });
          const { walletOpen, poolOpen, ...thread } = counted.rows[0] as Partial<Thread> & {
            walletOpen: string;
            poolOpen: string;
          };
          const openCount = Number(walletOpen);
          if (openCount >= maxOpenPerWallet) {
            return {
              admitted: false,
              reason: 'wallet_limit',
              open: openCount,
              limit: maxOpenPerWallet,
            };
          }
          const load = Math.max(Number(poolOpen), poolLoadAtLeast);
          if (!thread.id || load >= poolCapacity) {
            return {
              admitted: false,
              reason: 'pool_full',
              pool: session.pool,
              load,
              capacity: poolCapacity,
            };
          }
          return {
            admitted: true,
            thread: { ...(thread as Thread), wallet: session.wallet, sessionEndedAt: null },
          };
        }),
      );
    },

    get: (threadId) => {
      if (!isUuid(threadId)) return Promise.resolve(null);
      return ctx.run('threads.get', async () => {
        const { rows } = await ctx.writerPool.query<ThreadWithOwner>({
          name: 'threads.get',
          text: `SELECT ${THREAD_COLUMNS.text}, s.wallet, s.ended_at AS "sessionEndedAt"
                 FROM threads t JOIN sessions s ON s.id = t.session_id
                 WHERE t.id = $1::uuid`,
          values: [threadId],
        });
        return rows[0] ?? null;
      });
    },

    listForWallet: (wallet, { openOnly = false, limit = DEFAULT_LIST_LIMIT } = {}) => {
      assertWallet(wallet);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new InvalidInputError('limit', 'limit must be an integer in [1, 1000]');
      }
      // A returning player lists them on every visit: pg directly, a named statement per shape.
      return ctx.run('threads.listForWallet', async () => {
        const { rows } = await ctx.writerPool.query<Thread>({
          name: openOnly ? 'threads.listForWallet.open' : 'threads.listForWallet',
          text: `SELECT ${THREAD_COLUMNS.text}
                 FROM sessions s JOIN threads t ON t.session_id = s.id
                 WHERE s.wallet = $1 ${openOnly ? 'AND t.closed_at IS NULL' : ''}
                 ORDER BY t.created_at DESC, t.id
                 LIMIT $2`,
          values: [wallet, limit],
        });
        return rows;
      });
    },

    close: (threadId, reason, { announce = false } = {}) => {
      requireText('reason', reason);
      if (!isUuid(threadId)) return Promise.resolve(false);
      // One id and a reason of at most 200 chars: always one payload, far below NOTIFY's limit.
      const announcement = announce ? (encodeThreadsClosed(reason, [threadId])[0] ?? null) : null;
      return ctx.run('threads.close', async () => {
        const { rowCount } = await ctx.writerPool.query({
          name: 'threads.close',
          text: `UPDATE threads SET closed_at = now(), close_reason = $2, updated_at = now()
                 WHERE id = $1::uuid AND closed_at IS NULL
                 RETURNING CASE WHEN $3::text IS NOT NULL
                   THEN pg_notify('${LIFECYCLE_CHANNEL}', $3::text) END`,
          values: [threadId, reason, announcement],
        });
        return (rowCount ?? 0) > 0;
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
        // Every new session reads it (pool assignment): pg directly, a named statement. Open
        // threads are the triggers' counts, as thread admission reads them.
        const { rows } = await ctx.writerPool.query<{
          pool: string;
          taskId: string;
          sessions: number;
          threads: number;
        }>({
          name: 'threads.countActive',
          text: `WITH s AS (
                   SELECT pool, task_id, count(*) AS sessions FROM sessions
                   WHERE ended_at IS NULL GROUP BY pool, task_id
                 ), t AS (
                   SELECT pool, task_id, open_threads AS threads FROM pool_open_threads
                   WHERE open_threads > 0
                 )
                 SELECT COALESCE(s.pool, t.pool) AS pool, COALESCE(s.task_id, t.task_id) AS "taskId",
                        COALESCE(s.sessions, 0)::int AS sessions, COALESCE(t.threads, 0)::int AS threads
                 FROM s FULL JOIN t ON s.pool = t.pool AND s.task_id = t.task_id
                 ORDER BY 1, 2`,
        });
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
