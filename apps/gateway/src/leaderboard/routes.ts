import type { FastifyInstance } from 'fastify';
import { ErrorResponses as errors, GatewayError } from '../errors';
import type { Store } from '../shared/store';
import { weekOf } from './week';

export const LEADERBOARD_DEFAULT_LIMIT = 10;
export const LEADERBOARD_MAX_LIMIT = 100;

const EntrySchema = {
  type: 'object',
  required: ['rank', 'wallet', 'totalScore', 'lastActiveAt'],
  properties: {
    rank: { type: 'integer' },
    wallet: { type: 'string' },
    totalScore: { type: 'number' },
    lastActiveAt: { type: 'string' },
  },
} as const;

/**
 * `GET /api/leaderboard?limit=N`: the week's top wallets by score (players active since Monday
 * 00:00 UTC with a score above 0; `lastActiveAt` is the day, 00:00 UTC). Served from the read client, so it may trail the writer by the replica's lag; a
 * player route like the others (bearer token, per-wallet rate limit).
 */
export async function leaderboardRoutes(
  app: FastifyInstance,
  opts: { store: Pick<Store, 'leaderboard'> },
): Promise<void> {
  app.addHook('preHandler', app.authenticate);
  app.addHook('preHandler', app.limitWallet);

  app.get<{ Querystring: { limit?: string } }>(
    '/api/leaderboard',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          // The server does not coerce types, so the number arrives as digits and is ranged below.
          properties: { limit: { type: 'string', pattern: '^[0-9]{1,4}$' } },
        },
        response: {
          200: {
            type: 'object',
            required: ['weekStart', 'weekEnd', 'entries'],
            properties: {
              weekStart: { type: 'string' },
              weekEnd: { type: 'string' },
              entries: { type: 'array', items: EntrySchema },
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
      const week = weekOf(new Date());
      const rows = await opts.store.leaderboard({ ...week, limit });
      return {
        weekStart: week.from.toISOString(),
        weekEnd: week.to.toISOString(),
        entries: rows.map((r) => ({ ...r, lastActiveAt: startOfUtcDay(r.lastActiveAt) })),
      };
    },
  );
}

/** A board says on which day a player was last seen, never the millisecond. */
function startOfUtcDay(at: Date): string {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate())).toISOString();
}
