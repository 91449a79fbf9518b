import { formatTokenAmount, parseWeekId, weekOf, type GameRules, type Week } from '@pardon/game';
import type { FastifyInstance } from 'fastify';
import { ErrorResponses as errors, GatewayError } from '../errors';
import type { Store } from '../shared/store';

export const LEADERBOARD_DEFAULT_LIMIT = 10;
export const LEADERBOARD_MAX_LIMIT = 100;

const EntrySchema = {
  type: 'object',
  required: ['rank', 'wallet', 'totalScore', 'finalScore', 'pardonGrantedAt', 'lastActiveAt'],
  properties: {
    rank: { type: 'integer' },
    wallet: { type: 'string' },
    totalScore: { type: 'number' },
    finalScore: { type: 'number' },
    pardonGrantedAt: { type: 'string' },
    lastActiveAt: { type: 'string' },
  },
} as const;

const WeekQuery = { type: 'string', minLength: 1, maxLength: 40 } as const;

/** A week named by its id (`2026-11-30T14:00Z`), the current one when none is given. */
function weekFrom(weekId: string | undefined, rules: GameRules): Week {
  if (weekId === undefined) return weekOf(Date.now(), rules);
  try {
    return parseWeekId(weekId, rules);
  } catch {
    throw new GatewayError(
      'GW_ERR_VALIDATION',
      `week must be a week id such as ${weekOf(Date.now(), rules).id} (the instant the week starts).`,
    );
  }
}

/**
 * The weekly board: `GET /api/leaderboard?week=&limit=` ranks the week's pardoned players by
 * final score (ties: who reached 90 first), read from the replica, so it may trail the writer
 * by the replica's lag; `me` is the caller's own standing, from the writer. `GET
 * /api/leaderboard/weeks/:weekId/prizes`: a closed week's prizes. Field names of the earlier
 * board are kept (`totalScore` is the final score, `lastActiveAt` the day of the pardon).
 */
export async function leaderboardRoutes(
  app: FastifyInstance,
  opts: { store: Pick<Store, 'game'>; rules: GameRules },
): Promise<void> {
  const { store, rules } = opts;
  app.addHook('preHandler', app.authenticate);
  app.addHook('preHandler', app.limitWallet);

  app.get<{ Querystring: { limit?: string; week?: string } }>(
    '/api/leaderboard',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          // The server does not coerce types, so the number arrives as digits and is ranged below.
          properties: { limit: { type: 'string', pattern: '^[0-9]{1,4}$' }, week: WeekQuery },
        },
        response: {
          200: {
            type: 'object',
            required: ['weekId', 'weekStart', 'weekEnd', 'entries', 'me'],
            properties: {
              weekId: { type: 'string' },
              weekStart: { type: 'string' },
              weekEnd: { type: 'string' },
              entries: { type: 'array', items: EntrySchema },
              me: {
                type: 'object',
                required: ['rank', 'score', 'finalScore', 'pardoned'],
                properties: {
                  rank: { type: ['integer', 'null'] },
                  score: { type: 'number' },
                  finalScore: { type: ['number', 'null'] },
                  pardoned: { type: 'boolean' },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const limit =
        request.query.limit === undefined ? LEADERBOARD_DEFAULT_LIMIT : Number(request.query.limit);
      if (limit < 1 || limit > LEADERBOARD_MAX_LIMIT) {
        throw new GatewayError(
          'GW_ERR_VALIDATION',
          `limit must be an integer from 1 to ${LEADERBOARD_MAX_LIMIT}.`,
        );
      }
      const week = weekFrom(request.query.week, rules);
      const [board, me] = await Promise.all([
        store.game.board(week.id, Math.min(limit, rules.boardSize)),
        store.game.playerWeek(request.wallet, week),
      ]);
      return {
        weekId: week.id,
        weekStart: new Date(week.startMs).toISOString(),
        weekEnd: new Date(week.endMs).toISOString(),
        entries: board.map((e) => ({
          rank: e.rank,
          wallet: e.wallet,
          totalScore: e.finalScore,
          finalScore: e.finalScore,
          pardonGrantedAt: e.pardonGrantedAt.toISOString(),
          lastActiveAt: startOfUtcDay(e.pardonGrantedAt),
        })),
        me: {
          rank: me.rank,
          score: me.score,
          finalScore: me.finalScore,
          pardoned: me.pardonGrantedAt !== null,
        },
      };
    },
  );

  app.get<{ Params: { weekId: string } }>(
    '/api/leaderboard/weeks/:weekId/prizes',
    {
      schema: {
        params: { type: 'object', required: ['weekId'], properties: { weekId: WeekQuery } },
        response: {
          200: {
            type: 'object',
            required: ['weekId', 'closedAt', 'prizes'],
            properties: {
              weekId: { type: 'string' },
              closedAt: { type: ['string', 'null'] },
              prizes: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['place', 'wallet', 'finalScore', 'amountBaseUnits', 'amountTokens'],
                  properties: {
                    place: { type: 'integer' },
                    wallet: { type: 'string' },
                    finalScore: { type: 'number' },
                    amountBaseUnits: { type: 'string' },
                    amountTokens: { type: 'string' },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const week = weekFrom(request.params.weekId, rules);
      const { closedAt, prizes } = await store.game.prizes(week.id);
      return {
        weekId: week.id,
        closedAt: closedAt?.toISOString() ?? null,
        prizes: prizes.map((p) => ({
          ...p,
          amountTokens: formatTokenAmount(p.amountBaseUnits, rules.tokenDecimals),
        })),
      };
    },
  );
}

/** A board says on which day a player was pardoned, never the millisecond. */
function startOfUtcDay(at: Date): string {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate())).toISOString();
}
