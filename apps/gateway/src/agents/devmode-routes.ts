import type { FastifyInstance } from 'fastify';
import { ErrorResponses as errors, GatewayError } from '../errors';
import { bearerOf } from '../shared/bearer';
import type { PoolManager } from '../shared/pools';
import type { AgentIdentities } from './identity';
import { AGENT_ROUTE_CONFIG, SessionQuery } from './schemas';
import type { AgentTransports } from './transports';

const SEGMENT = { type: 'string', minLength: 1, maxLength: 128 } as const;
const PoolParams = {
  type: 'object',
  required: ['app', 'key', 'pool'],
  properties: { app: SEGMENT, key: SEGMENT, pool: SEGMENT },
} as const;
const AgentQuery = {
  type: 'object',
  required: ['agentId'],
  properties: {
    agentId: { type: 'string', minLength: 1, maxLength: 64 },
    // Plain text: no control characters, so it shows as one line of text wherever it appears.
    agentDescription: { type: 'string', maxLength: 2000, pattern: '^[^\\u0000-\\u001f\\u007f]*$' },
  },
} as const;

interface PoolParamsT {
  app: string;
  key: string;
  pool: string;
}
interface AgentQueryT {
  agentId: string;
  agentDescription?: string;
}

/**
 * Coral 1.0 (devmode) URLs, as production's agents connect: the SSE stream plus the message POST
 * route its `endpoint` event names, and Streamable HTTP at the same shape of path. The agent is
 * named in the query and proves it with its own secret as the bearer token.
 */
export async function devmodeAgentRoutes(
  app: FastifyInstance,
  opts: {
    pools: PoolManager;
    identities: AgentIdentities;
    transports: AgentTransports;
    bodyLimit: number;
  },
): Promise<void> {
  const { pools, identities, transports } = opts;
  const requirePool = (pool: string) => {
    if (!pools.hasPool(pool)) throw new GatewayError('GW_ERR_UNKNOWN_POOL', `No pool ${pool}.`);
  };
  const config = AGENT_ROUTE_CONFIG;

  app.get<{ Params: PoolParamsT; Querystring: AgentQueryT }>(
    '/sse/v1/devmode/:app/:key/:pool/sse',
    { config, schema: { params: PoolParams, querystring: AgentQuery, response: errors } },
    async (request, reply) => {
      const { app: appId, key, pool } = request.params;
      requirePool(pool);
      const { agentId, agentDescription } = request.query;
      identities.authorizeBearer(agentId, bearerOf(request));
      const messagePath = `/api/v1/message/devmode/${[appId, key, pool].map(encodeURIComponent).join('/')}`;
      await transports.openSse(reply, messagePath, {
        identity: { agentId, pool },
        dialect: 'coral-1.0',
        description: agentDescription ?? '',
      });
    },
  );

  app.post<{ Params: PoolParamsT; Querystring: { sessionId: string } }>(
    '/api/v1/message/devmode/:app/:key/:pool',
    {
      config,
      bodyLimit: opts.bodyLimit,
      schema: { params: PoolParams, querystring: SessionQuery, response: errors },
    },
    async (request, reply) => {
      requirePool(request.params.pool);
      const bearer = bearerOf(request);
      await transports.postSse(
        request,
        reply,
        request.query.sessionId,
        request.params.pool,
        (who) => identities.authorizeBearer(who.agentId, bearer),
      );
    },
  );

  const streamableSchema = { params: PoolParams, querystring: AgentQuery, response: errors };
  for (const method of ['POST', 'GET', 'DELETE'] as const) {
    app.route<{ Params: PoolParamsT; Querystring: AgentQueryT }>({
      method,
      url: '/mcp/v1/devmode/:app/:key/:pool/mcp',
      config,
      bodyLimit: opts.bodyLimit,
      schema: streamableSchema,
      handler: async (request, reply) => {
        const { pool } = request.params;
        requirePool(pool);
        const { agentId, agentDescription } = request.query;
        identities.authorizeBearer(agentId, bearerOf(request));
        await transports.streamableRequest(request, reply, {
          identity: { agentId, pool },
          dialect: 'coral-1.0',
          description: agentDescription ?? '',
        });
      },
    });
  }
}
