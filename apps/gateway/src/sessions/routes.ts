import type { FastifyInstance } from 'fastify';
import { ErrorResponses, GatewayError } from '../errors';
import type { PoolManager } from '../shared/pools';
import type { Admission } from './admission';

export interface SessionRoutesOptions {
  admission: Admission;
  pools: PoolManager;
  requiredAgents: readonly string[];
}

/**
 * `POST /api/sessions` (a session on a pool) and `GET /api/agents?pool=` (the agents of a pool
 * with the descriptions they announced, and the required ones not connected yet, for the player
 * page). Player routes: bearer token and per-wallet limit.
 */
export async function sessionRoutes(
  app: FastifyInstance,
  opts: SessionRoutesOptions,
): Promise<void> {
  const { admission, pools, requiredAgents } = opts;
  app.addHook('preHandler', app.authenticate);
  app.addHook('preHandler', app.limitWallet);

  app.post(
    '/api/sessions',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['sessionId', 'pool', 'agents'],
            properties: {
              sessionId: { type: 'string' },
              pool: { type: 'string' },
              agents: { type: 'array', items: { type: 'string' } },
            },
          },
          ...ErrorResponses,
        },
      },
    },
    async (request) => admission.openSession(request.wallet),
  );

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
          ...ErrorResponses,
        },
      },
    },
    async (request) => {
      const { pool } = request.query;
      if (!pools.hasPool(pool)) throw new GatewayError('GW_ERR_UNKNOWN_POOL');
      const known = new Map(pools.listAgents(pool).map((a) => [a.id, a] as const));
      const ids = [...new Set([...requiredAgents, ...known.keys()])];
      return {
        pool,
        agents: ids.map((id) => ({
          id,
          description: known.get(id)?.description ?? '',
          connected: (known.get(id)?.state ?? 'disconnected') !== 'disconnected',
        })),
      };
    },
  );
}
