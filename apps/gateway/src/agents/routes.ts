import { randomUUID } from 'node:crypto';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorResponses as errors, GatewayError } from '../errors';
import { requireBearer } from '../shared/bearer';
import type { PoolManager } from '../shared/pools';

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
    agentId: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
    agentDescription: { type: 'string', maxLength: 2000 },
  },
} as const;
const SessionQuery = {
  type: 'object',
  required: ['sessionId'],
  properties: { sessionId: { type: 'string', minLength: 1, maxLength: 128 } },
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
 * The Coral-compatible endpoint agents connect to: Coral's HTTP+SSE transport at its devmode URL
 * (plus the message POST route the SSE `endpoint` event points at), and MCP Streamable HTTP at the
 * same shape of path. Either way the agent gets the seven Coral tools bound to its id and pool.
 */
export async function agentRoutes(
  app: FastifyInstance,
  opts: { pools: PoolManager; agentApiKey: string },
): Promise<void> {
  const { pools } = opts;
  const sse = new Map<string, { transport: SSEServerTransport; pool: string }>();
  const streamable = new Map<string, { transport: StreamableHTTPServerTransport; pool: string }>();

  const requireAgentKey = requireBearer({
    secret: opts.agentApiKey,
    whenUnset: 'GW_ERR_UNAUTHORIZED',
    unauthorizedMessage: 'Agents need Authorization: Bearer AGENT_API_KEY.',
  });
  const requirePool = (pool: string) => {
    if (!pools.hasPool(pool)) throw new GatewayError('GW_ERR_UNKNOWN_POOL', `No pool ${pool}.`);
  };

  app.addHook('preHandler', requireAgentKey);
  app.addHook('preClose', async () => {
    const all = [...sse.values(), ...streamable.values()].map((s) => s.transport);
    sse.clear();
    streamable.clear();
    await Promise.allSettled(all.map((t) => t.close()));
  });

  // Agents poll `coral_wait_for_mentions` for as long as they live: no per-IP limit here.
  const config = { rateLimit: false } as const;

  app.get<{ Params: PoolParamsT; Querystring: AgentQueryT }>(
    '/sse/v1/devmode/:app/:key/:pool/sse',
    { config, schema: { params: PoolParams, querystring: AgentQuery, response: errors } },
    async (request, reply) => {
      const { app: appId, key, pool } = request.params;
      requirePool(pool);
      const { agentId, agentDescription } = request.query;
      const endpoint = `/api/v1/message/devmode/${encodeURIComponent(appId)}/${encodeURIComponent(
        key,
      )}/${encodeURIComponent(pool)}`;
      reply.hijack();
      const transport = new SSEServerTransport(endpoint, reply.raw);
      const sessionId = transport.sessionId;
      sse.set(sessionId, { transport, pool });
      transport.onclose = () => {
        sse.delete(sessionId);
      };
      try {
        await pools.connectAgent(pool, agentId, agentDescription ?? '', transport);
        request.log.info({ pool, agentId, transport: 'sse' }, 'agent connected');
      } catch (err) {
        sse.delete(sessionId);
        request.log.error({ err, pool, agentId }, 'agent connection failed');
        if (!reply.raw.writableEnded) reply.raw.end();
      }
    },
  );

  app.post<{ Params: PoolParamsT; Querystring: { sessionId: string } }>(
    '/api/v1/message/devmode/:app/:key/:pool',
    { config, schema: { params: PoolParams, querystring: SessionQuery, response: errors } },
    async (request, reply) => {
      requirePool(request.params.pool);
      const entry = sse.get(request.query.sessionId);
      if (!entry || entry.pool !== request.params.pool) {
        throw new GatewayError('GW_ERR_NOT_FOUND', 'No such agent session.');
      }
      reply.hijack();
      await entry.transport.handlePostMessage(request.raw, reply.raw, request.body);
    },
  );

  const streamableHandler = async (
    request: FastifyRequest<{ Params: PoolParamsT; Querystring: Partial<AgentQueryT> }>,
    reply: FastifyReply,
  ) => {
    const { pool } = request.params;
    requirePool(pool);
    const header = request.headers['mcp-session-id'];
    const sessionId = typeof header === 'string' ? header : undefined;
    if (sessionId) {
      const entry = streamable.get(sessionId);
      if (!entry || entry.pool !== pool) {
        throw new GatewayError('GW_ERR_NOT_FOUND', 'No such agent session.');
      }
      reply.hijack();
      await entry.transport.handleRequest(request.raw, reply.raw, request.body);
      return;
    }
    if (request.method !== 'POST' || !isInitializeRequest(request.body)) {
      throw new GatewayError(
        'GW_ERR_BAD_REQUEST',
        'Start a session with an initialize request (no mcp-session-id header).',
      );
    }
    const agentId = request.query.agentId;
    if (!agentId) {
      throw new GatewayError('GW_ERR_VALIDATION', 'querystring must have property agentId');
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        streamable.set(id, { transport, pool });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) streamable.delete(transport.sessionId);
    };
    await pools.connectAgent(pool, agentId, request.query.agentDescription ?? '', transport);
    request.log.info({ pool, agentId, transport: 'streamable-http' }, 'agent connected');
    reply.hijack();
    await transport.handleRequest(request.raw, reply.raw, request.body);
  };

  const streamableSchema = {
    params: PoolParams,
    querystring: { ...AgentQuery, required: [] as string[] },
    response: errors,
  };
  app.post(
    '/mcp/v1/devmode/:app/:key/:pool/mcp',
    { config, schema: streamableSchema },
    streamableHandler,
  );
  app.get(
    '/mcp/v1/devmode/:app/:key/:pool/mcp',
    { config, schema: streamableSchema },
    streamableHandler,
  );
  app.delete(
    '/mcp/v1/devmode/:app/:key/:pool/mcp',
    { config, schema: streamableSchema },
    streamableHandler,
  );

  app.get(
    '/api/v1/sessions',
    {
      config,
      schema: { response: { 200: { type: 'array', items: { type: 'string' } }, ...errors } },
    },
    async () => pools.poolIds,
  );

  app.get<{ Params: { pool: string } }>(
    '/api/v1/sessions/:pool/agents',
    {
      config,
      schema: {
        params: { type: 'object', required: ['pool'], properties: { pool: SEGMENT } },
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'description', 'state'],
              properties: {
                id: { type: 'string' },
                description: { type: 'string' },
                state: { type: 'string' },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      requirePool(request.params.pool);
      return pools.listAgents(request.params.pool);
    },
  );
}
