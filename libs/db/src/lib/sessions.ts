import { Prisma } from '../generated/prisma/client';
import { isUuid, type RepoContext } from './context';
import { InvalidInputError } from './errors';
import type { EndedSession, ExpiryResult, Session } from './types';
import { assertWallet } from './wallet';

export const SESSION_COLUMNS = Prisma.raw(
  `s.id::text AS "id", s.wallet, s.pool, s.task_id AS "taskId", s.started_at AS "startedAt",
   s.last_activity_at AS "lastActivityAt", s.ended_at AS "endedAt", s.end_reason AS "endReason"`,
);

type SessionRow = Session;

export interface OpenSessionInput {
  wallet: string;
  pool: string;
  taskId: string;
}

export interface ExpireIdleInput {
  /** Sessions whose last activity is at or before this instant are ended (idle ≥ N ⇔ ≤ now − N). */
  cutoff: Date;
  /** Rows ended per statement; each batch commits on its own. Default 1,000. */
  batchSize?: number;
  /** Stop after this many batches (the next run continues). Default: until none is left. */
  maxBatches?: number;
  /** Stored as the session's end reason. Default `idle`. */
  reason?: string;
}

export interface SessionsRepository {
  /** The wallet's active (not ended) session, if any. */
  findActive(wallet: string): Promise<Session | null>;
  get(sessionId: string): Promise<Session | null>;
  /**
   * Returns the wallet's active session, or opens one in `pool` owned by `taskId` (creating the
   * user on first sight). Race-safe: concurrent calls for one wallet all get the same session,
   * guaranteed by the partial unique index on active sessions.
   */
  openOrReuse(input: OpenSessionInput): Promise<{ session: Session; created: boolean }>;
  /** Player activity: moves the session's `lastActivityAt` and the user's `lastActiveAt`. */
  touch(sessionId: string, at?: Date): Promise<boolean>;
  /** Ends the session (if still active) and closes its open threads. */
  end(sessionId: string, reason: string): Promise<{ ended: boolean; closedThreadIds: string[] }>;
  /**
   * Ends every active session idle since `cutoff` or earlier, in batches, closing their threads.
   * Reads only active sessions through a partial index, so a run costs O(rows it ends).
   */
  expireIdle(input: ExpireIdleInput): Promise<ExpiryResult>;
}

const MAX_RACE_ROUNDS = 5;

export function sessionsRepository(ctx: RepoContext): SessionsRepository {
  // On pg directly, a named statement: every thread a player opens reads it (Prisma's raw query
  // path costs the gateway more CPU than the query).
  const findActive = async (wallet: string): Promise<Session | null> => {
    const { rows } = await ctx.writerPool.query<SessionRow>({
      name: 'sessions.findActive',
      text: `SELECT ${SESSION_COLUMNS.text} FROM sessions s WHERE s.wallet = $1 AND s.ended_at IS NULL`,
      values: [wallet],
    });
    return rows[0] ?? null;
  };

  return {
    findActive: (wallet) => {
      assertWallet(wallet);
      return ctx.run('sessions.findActive', () => findActive(wallet));
    },

    get: (sessionId) => {
      if (!isUuid(sessionId)) return Promise.resolve(null);
      return ctx.run('sessions.get', async () => {
        const rows = await ctx.writer.$queryRaw<SessionRow[]>`
          SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.id = ${sessionId}::uuid`;
        return rows[0] ?? null;
      });
    },

    openOrReuse: ({ wallet, pool, taskId }) => {
      assertWallet(wallet);
      requireText('pool', pool);
      requireText('taskId', taskId);
      return ctx.run('sessions.openOrReuse', async () => {
        for (let round = 0; round < MAX_RACE_ROUNDS; round++) {
          // One statement: upsert the user, insert the session unless an active one exists.
          const { rows: inserted } = await ctx.writerPool.query<SessionRow>({
            name: 'sessions.openOrReuse',
            text: `WITH u AS (
                     INSERT INTO users (wallet) VALUES ($1)
                     ON CONFLICT (wallet) DO UPDATE SET last_active_at = now(), updated_at = now()
                   )
                   INSERT INTO sessions AS s (wallet, pool, task_id) VALUES ($1, $2, $3)
                   ON CONFLICT (wallet) WHERE ended_at IS NULL DO NOTHING
                   RETURNING ${SESSION_COLUMNS.text}`,
            values: [wallet, pool, taskId],
          });
          if (inserted[0]) return { session: inserted[0], created: true };
          // A conflicting active session exists; it may have committed after this statement's
          // snapshot, hence a fresh read (and another round if it ended in between).
          const existing = await findActive(wallet);
          if (existing) return { session: existing, created: false };
        }
        throw new Error(`sessions.openOrReuse: no stable active session for ${wallet}`);
      });
    },

    touch: (sessionId, at) => {
      if (!isUuid(sessionId)) return Promise.resolve(false);
      return ctx.run('sessions.touch', async () => {
        const rows = await ctx.writer.$queryRaw<Array<{ wallet: string }>>`
          WITH s AS (
            UPDATE sessions SET last_activity_at = GREATEST(last_activity_at, ${at ?? new Date()}),
                                updated_at = now()
            WHERE id = ${sessionId}::uuid AND ended_at IS NULL
            RETURNING wallet, last_activity_at
          ), u AS (
            UPDATE users SET last_active_at = GREATEST(users.last_active_at, s.last_activity_at),
                             updated_at = now()
            FROM s WHERE users.wallet = s.wallet
          )
          SELECT wallet FROM s`;
        return rows.length > 0;
      });
    },

    end: (sessionId, reason) => {
      requireText('reason', reason);
      if (!isUuid(sessionId)) return Promise.resolve({ ended: false, closedThreadIds: [] });
      return ctx.run('sessions.end', async () => {
        const rows = await ctx.writer.$queryRaw<Array<{ kind: string; id: string }>>`
          WITH ended AS (
            UPDATE sessions SET ended_at = now(), end_reason = ${reason}, updated_at = now()
            WHERE id = ${sessionId}::uuid AND ended_at IS NULL
            RETURNING id
          ), closed AS (
            UPDATE threads t SET closed_at = now(), close_reason = 'session_ended', updated_at = now()
            FROM ended WHERE t.session_id = ended.id AND t.closed_at IS NULL
            RETURNING t.id
          )
          SELECT 'session' AS kind, id::text AS id FROM ended
          UNION ALL SELECT 'thread', id::text FROM closed`;
        return {
          ended: rows.some((r) => r.kind === 'session'),
          closedThreadIds: rows.filter((r) => r.kind === 'thread').map((r) => r.id),
        };
      });
    },

    expireIdle: async ({ cutoff, batchSize = 1000, maxBatches, reason = 'idle' }) => {
      if (!(cutoff instanceof Date) || Number.isNaN(cutoff.getTime())) {
        throw new InvalidInputError('cutoff', 'cutoff must be a valid Date');
      }
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
        throw new InvalidInputError('batchSize', 'batchSize must be an integer in [1, 100000]');
      }
      const result: ExpiryResult = { sessions: [], closedThreadIds: [], batches: 0 };
      for (;;) {
        if (maxBatches !== undefined && result.batches >= maxBatches) break;
        // Each batch is one atomic statement: sessions end and their threads close together.
        // SKIP LOCKED lets two runners (or a player's concurrent touch) proceed without waiting.
        const rows = await ctx.run(
          'sessions.expireIdle',
          () =>
            ctx.writer.$queryRaw<
              Array<EndedSession & { kind: 'session' | 'thread'; threadId: string | null }>
            >`
            WITH picked AS (
              SELECT id FROM sessions
              WHERE ended_at IS NULL AND last_activity_at <= ${cutoff}
              ORDER BY last_activity_at
              LIMIT ${batchSize}
              FOR UPDATE SKIP LOCKED
            ), ended AS (
              -- = ANY(ARRAY(...)) keeps the plan on the primary key: a join against the CTE lets
              -- the planner pick a hash join over the whole table once it has 100k rows.
              UPDATE sessions s SET ended_at = now(), end_reason = ${reason}, updated_at = now()
              WHERE s.id = ANY (ARRAY(SELECT id FROM picked))
              RETURNING s.id, s.wallet, s.pool, s.task_id
            ), closed AS (
              UPDATE threads t SET closed_at = now(), close_reason = 'session_expired',
                                   updated_at = now()
              WHERE t.session_id = ANY (ARRAY(SELECT id FROM ended)) AND t.closed_at IS NULL
              RETURNING t.id
            )
            SELECT 'session' AS kind, id::text AS "sessionId", wallet, pool, task_id AS "taskId",
                   NULL::text AS "threadId"
            FROM ended
            UNION ALL
            SELECT 'thread', NULL, NULL, NULL, NULL, id::text FROM closed`,
        );
        result.batches++;
        let ended = 0;
        for (const row of rows) {
          if (row.kind === 'session') {
            ended++;
            result.sessions.push({
              sessionId: row.sessionId,
              wallet: row.wallet,
              pool: row.pool,
              taskId: row.taskId,
            });
          } else if (row.threadId) {
            result.closedThreadIds.push(row.threadId);
          }
        }
        if (ended < batchSize) break;
      }
      return result;
    },
  };
}

export function requireText(field: string, value: unknown, max = 200): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw new InvalidInputError(
      field,
      `${field} must be a non-empty string of at most ${max} chars`,
    );
  }
  return value;
}
