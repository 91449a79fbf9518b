import type { FastifyInstance } from 'fastify';
import { ErrorBodySchema, GatewayError } from '../errors';

/**
 * `GET /api/agents?pool=` for the player page: the agents of a pool with the descriptions they
 * announced when they connected, and the required ones that are not connected yet.
 */
export async function rosterRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', app.authenticate);
  app.addHook('preHandler', app.limitWallet);
  app.get<{ Querystring: { pool: string } }>(
    '/api/agents',
    {
      schema: {
        querystring: {
          type: 'object',
          required: ['pool'],
          properties: { pool: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['pool', 'agents'],
            properties: {
              pool: { type: 'string' },
              agents: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'description', 'connected'],
                  properties: {
                    id: { type: 'string' },
                    description: { type: 'string' },
                    connected: { type: 'boolean' },
                  },
                },
              },
            },
          },
          '4xx': ErrorBodySchema,
          '5xx': ErrorBodySchema,
        },
      },
    },
    async (request) => {
      const { pool } = request.query;
      if (!app.pools.poolIds.includes(pool)) throw new GatewayError('GW_ERR_UNKNOWN_POOL');
      const connected = new Map(
        app.pools.listAgents(pool).map((a) => [a.id, a.description] as const),
      );
      const ids = [...new Set([...app.config.requiredAgents, ...connected.keys()])];
      return {
        pool,
        agents: ids.map((id) => ({
          id,
          description: connected.get(id) ?? '',
          connected: connected.has(id),
        })),
      };
    },
  );
}
