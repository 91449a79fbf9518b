import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorResponses as errors, GatewayError } from '../errors';
import { bearerOf, sameSecret } from '../shared/bearer';
import type { PoolManager } from '../shared/pools';
import type { AgentIdentities } from './identity';
import { AGENT_ROUTE_CONFIG } from './schemas';

const AgentInfo = {
  type: 'object',
  required: ['id', 'description', 'state'],
  properties: {
    id: { type: 'string' },
    description: { type: 'string' },
    state: { type: 'string' },
  },
} as const;

/**
 * Coral 1.0's session API as agents and their tooling read it: `GET /api/v1/sessions` (the pool
 * ids) and `GET /api/v1/sessions/{pool}/agents` (`{sessionId, agentCount, agents}`; Coral lists
 * bare ids there, we give each agent's details). Open to any agent of the roster (its own secret
 * as the bearer) and to operators (OPS_TOKEN).
 */
export async function sessionApiRoutes(
  app: FastifyInstance,
  opts: { pools: PoolManager; identities: AgentIdentities; opsToken: string | undefined },
): Promise<void> {
  const { pools, identities, opsToken } = opts;
  const authorize = async (request: FastifyRequest) => {
    const bearer = bearerOf(request);
    const operator = opsToken !== undefined && sameSecret(bearer, opsToken);
    if (!operator && !identities.isAgentSecret(bearer)) {
      throw new GatewayError(
        'GW_ERR_UNAUTHORIZED',
        'Send Authorization: Bearer with an agent secret or the operator token.',
      );
    }
  };
  const config = AGENT_ROUTE_CONFIG;

  app.get(
    '/api/v1/sessions',
    {
      config,
      preHandler: authorize,
      schema: { response: { 200: { type: 'array', items: { type: 'string' } }, ...errors } },
    },
    async () => pools.poolIds,
  );

  app.get<{ Params: { pool: string } }>(
    '/api/v1/sessions/:pool/agents',
    {
      config,
      preHandler: authorize,
      schema: {
        params: {
          type: 'object',
          required: ['pool'],
          properties: { pool: { type: 'string', minLength: 1, maxLength: 128 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['sessionId', 'agentCount', 'agents'],
            properties: {
              sessionId: { type: 'string' },
              agentCount: { type: 'integer' },
              agents: { type: 'array', items: AgentInfo },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const { pool } = request.params;
      if (!pools.hasPool(pool)) throw new GatewayError('GW_ERR_UNKNOWN_POOL', `No pool ${pool}.`);
      const agents = pools.listAgents(pool);
      return { sessionId: pool, agentCount: agents.length, agents };
    },
  );
}
