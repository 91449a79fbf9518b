import { weekPrizes, type GameRules } from '@pardon/game';
import { inTransaction, type RepoContext } from '../context';
import { readWeekActivity } from './activity';
import { InvalidInputError } from '../errors';

/** A player's week as they see it (always read from the writer: their own data is current). */
export interface PlayerWeekView {
  wallet: string;
  weekId: string;
  score: number;
  finalScore: number | null;
  pardonGrantedAt: Date | null;
  /** Rank among the week's pardoned players; null without a pardon. */
  rank: number | null;
  agentsTalkedTo: string[];
  messagesSent: number;
  /** The last evaluation's change and reason, for "why did my score move". */
  lastPoints: number | null;
  lastReason: string | null;
  lastAgentId: string | null;
}

export interface WeekBoardEntry {
  rank: number;
  wallet: string;
  finalScore: number;
  pardonGrantedAt: Date;
}

export interface WeekPrize {
  place: number;
  wallet: string;
  finalScore: number;
  /** Integer base units of the prize token, as a decimal string (they exceed 2^53). */
  amountBaseUnits: string;
}

export interface WeekCloseResult {
  weekId: string;
  /** False when the week was closed before (the job is idempotent). */
  created: boolean;
  closedAt: Date;
  winners: number;
  prizes: WeekPrize[];
}

/**
 * What the evaluations and verified premium payments of one interval did (the cron-worker's
 * PointsAwarded, PardonsGranted).
 */
export interface GameIntervalTotals {
  /** Sum of the positive points evaluations and payments awarded (penalties not subtracted). */
  pointsAwarded: number;
  /** Evaluations and payments in the interval that granted a pardon. */
  pardonsGranted: number;
  /** Evaluations stored in the interval, whatever their points. */
  evaluations: number;
}

export const MAX_BOARD = 1000;

/** Board order, as libs/game's: final score, then who reached the threshold first, then wallet. */
const BOARD_ORDER = `final_score DESC, pardon_granted_at ASC, wallet COLLATE "C" ASC`;

export function standingsRepository(ctx: RepoContext) {
  return {
    /** The player's week: score, pardon, rank, activity (writer). */
    playerWeek: (wallet: string, week: { id: string; startMs: number; endMs: number }) =>
      ctx.run('game.playerWeek', async (): Promise<PlayerWeekView> => {
        const rows = await ctx.writer.$queryRaw<
          Array<{
            score: string | null;
            finalScore: string | null;
            pardonGrantedAt: Date | null;
            lastPoints: string | null;
            lastReason: string | null;
            lastAgentId: string | null;
            rank: bigint | null;
          }>
        >`
          SELECT pw.score::text AS score, pw.final_score::text AS "finalScore",
                 pw.pardon_granted_at AS "pardonGrantedAt", pw.last_points::text AS "lastPoints",
                 pw.last_reason AS "lastReason", pw.last_agent_id AS "lastAgentId",
                 CASE WHEN pw.pardon_granted_at IS NULL THEN NULL ELSE (
                   SELECT count(*) + 1 FROM player_weeks o
                   WHERE o.week_id = pw.week_id AND o.pardon_granted_at IS NOT NULL
                     AND (o.final_score > pw.final_score
                       OR (o.final_score = pw.final_score AND o.pardon_granted_at < pw.pardon_granted_at)
                       OR (o.final_score = pw.final_score AND o.pardon_granted_at = pw.pardon_granted_at
                           AND o.wallet COLLATE "C" < pw.wallet COLLATE "C"))) END AS rank
          FROM player_weeks pw WHERE pw.wallet = ${wallet} AND pw.week_id = ${week.id}`;
        const activity = await readWeekActivity(ctx.writerPool, wallet, week);
        const row = rows[0];
        return {
          wallet,
          weekId: week.id,
          score: Number(row?.score ?? 0),
          finalScore: row?.finalScore == null ? null : Number(row.finalScore),
          pardonGrantedAt: row?.pardonGrantedAt ?? null,
          rank: row?.rank == null ? null : Number(row.rank),
          agentsTalkedTo: activity.agentsTalkedTo,
          messagesSent: activity.messagesSent,
          lastPoints: row?.lastPoints == null ? null : Number(row.lastPoints),
          lastReason: row?.lastReason ?? null,
          lastAgentId: row?.lastAgentId ?? null,
        };
      }),

    /** A week's board: pardoned players in board order (reader: it may lag behind the writer). */
    board: (weekId: string, limit = 100) => {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BOARD) {
        return Promise.reject(
          new InvalidInputError('limit', `limit must be an integer in [1, ${MAX_BOARD}]`),
        );
      }
      return ctx.run('game.board', async (): Promise<WeekBoardEntry[]> => {
        const rows = await ctx.reader.$queryRawUnsafe<
          Array<{ wallet: string; finalScore: string; pardonGrantedAt: Date }>
        >(
          `SELECT wallet, final_score::text AS "finalScore", pardon_granted_at AS "pardonGrantedAt"
           FROM player_weeks WHERE week_id = $1 AND pardon_granted_at IS NOT NULL
           ORDER BY ${BOARD_ORDER} LIMIT $2`,
          weekId,
          limit,
        );
        return rows.map((r, i) => ({
          rank: i + 1,
          wallet: r.wallet,
          finalScore: Number(r.finalScore),
          pardonGrantedAt: r.pardonGrantedAt,
        }));
      });
    },

    /** A closed week's prizes (reader); empty while the week is open. */
    prizes: (weekId: string) =>
      ctx.run('game.prizes', async (): Promise<{ closedAt: Date | null; prizes: WeekPrize[] }> => {
        const closes = await ctx.reader.weekClose.findUnique({ where: { weekId } });
        const rows = await ctx.reader.prizeEntitlement.findMany({
          where: { weekId },
          orderBy: { place: 'asc' },
        });
        return {
          closedAt: closes?.closedAt ?? null,
          prizes: rows.map((r) => ({
            place: r.place,
            wallet: r.wallet,
            finalScore: Number(r.finalScore),
            amountBaseUnits: r.amountBaseUnits.toFixed(0),
          })),
        };
      }),

    /** Pardons and evaluations for the ops page (reader). */
    activity: (weekId: string, since: Date) =>
      ctx.run('game.activity', async () => {
        const [pardons, evaluations] = await Promise.all([
          ctx.reader.playerWeek.count({ where: { weekId, pardonGrantedAt: { not: null } } }),
          ctx.reader.$queryRaw<Array<{ minute: Date; n: bigint }>>`
            SELECT date_trunc('minute', created_at) AS minute, count(*) AS n FROM evaluations
            WHERE created_at >= ${since} GROUP BY 1 ORDER BY 1`,
        ]);
        return {
          pardons,
          evaluationsPerMinute: evaluations.map((e) => ({ minute: e.minute, count: Number(e.n) })),
        };
      }),

    /**
     * Totals of the evaluations and verified payments created in `[from, to)` (on their
     * `created_at` indexes), from the writer so that no interval misses what the replica has not
     * replayed yet.
     */
    intervalTotals: (window: { from: Date; to: Date }) =>
      ctx.run('game.intervalTotals', async (): Promise<GameIntervalTotals> => {
        const { rows } = await ctx.writerPool.query<{ points: string; pardons: string; n: string }>(
          `WITH scored AS (
             SELECT points, pardon_granted, true AS evaluation FROM evaluations
             WHERE created_at >= $1 AND created_at < $2
             UNION ALL
             SELECT points_awarded, pardon_granted, false FROM payments
             WHERE status = 'verified' AND created_at >= $1 AND created_at < $2
           )
           SELECT coalesce(sum(points) FILTER (WHERE points > 0), 0)::text AS points,
                  count(*) FILTER (WHERE pardon_granted)::text AS pardons,
                  count(*) FILTER (WHERE evaluation)::text AS n
           FROM scored`,
          [window.from, window.to],
        );
        const row = rows[0];
        return {
          pointsAwarded: Number(row?.points ?? 0),
          pardonsGranted: Number(row?.pardons ?? 0),
          evaluations: Number(row?.n ?? 0),
        };
      }),

    /**
     * Closes a week: freezes its board and records the prizes it owes, once. Idempotent: a second
     * run (another cron-worker, an operator by hand) finds the close and returns it unchanged.
     */
    closeWeek: (weekId: string, rules: GameRules) =>
      ctx.run('game.closeWeek', () =>
        inTransaction(ctx.writerPool, async (client): Promise<WeekCloseResult> => {
          // One closer at a time per week; the second waits, then finds the close.
          await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
            `week-close:${weekId}`,
          ]);
          const existing = await client.query<{ closedAt: Date; winners: number }>(
            `SELECT closed_at AS "closedAt", jsonb_array_length(board) AS winners
             FROM week_closes WHERE week_id = $1`,
            [weekId],
          );
          if (existing.rows[0]) {
            const prizes = await client.query<WeekPrize>(
              `SELECT place, wallet, final_score::float8 AS "finalScore",
                      amount_base_units::text AS "amountBaseUnits"
               FROM prize_entitlements WHERE week_id = $1 ORDER BY place`,
              [weekId],
            );
            return {
              weekId,
              created: false,
              closedAt: existing.rows[0].closedAt,
              winners: existing.rows[0].winners,
              prizes: prizes.rows,
            };
          }
          const pardoned = await client.query<{
            wallet: string;
            finalScore: number;
            pardonGrantedAt: Date;
          }>(
            `SELECT wallet, final_score::float8 AS "finalScore", pardon_granted_at AS "pardonGrantedAt"
             FROM player_weeks WHERE week_id = $1 AND pardon_granted_at IS NOT NULL
             ORDER BY ${BOARD_ORDER} LIMIT $2`,
            [weekId, rules.boardSize],
          );
          const players = pardoned.rows.map((r) => ({
            wallet: r.wallet,
            score: r.finalScore,
            finalScore: r.finalScore,
            pardonGrantedAt: r.pardonGrantedAt.getTime(),
          }));
          const entitlements = weekPrizes(players, rules);
          const closed = await client.query<{ closedAt: Date }>(
            `INSERT INTO week_closes (week_id, board, pool_base_units) VALUES ($1, $2, $3)
             RETURNING closed_at AS "closedAt"`,
            [weekId, JSON.stringify(pardoned.rows), rules.prizePoolBaseUnits.toString()],
          );
          const scoreOf = new Map(players.map((p) => [p.wallet, p.finalScore]));
          for (const e of entitlements) {
            await client.query(
              `INSERT INTO prize_entitlements (week_id, place, wallet, final_score, amount_base_units)
               VALUES ($1, $2, $3, $4, $5)`,
              [weekId, e.place, e.wallet, scoreOf.get(e.wallet), e.amountBaseUnits.toString()],
            );
          }
          return {
            weekId,
            created: true,
            closedAt: (closed.rows[0] as { closedAt: Date }).closedAt,
            winners: players.length,
            prizes: entitlements.map((e) => ({
              place: e.place,
              wallet: e.wallet,
              finalScore: scoreOf.get(e.wallet) ?? 0,
              amountBaseUnits: e.amountBaseUnits.toString(),
            })),
          };
        }),
      ),
  };
}

export type StandingsRepository = ReturnType<typeof standingsRepository>;
