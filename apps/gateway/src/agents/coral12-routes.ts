import type { FastifyInstance } from 'fastify';
import { ErrorResponses as errors, GatewayError } from '../errors';
import type { AgentIdentities } from './identity';
import { AGENT_ROUTE_CONFIG, SessionQuery } from './schemas';
import type { AgentTransports } from './transports';

const SecretParams = {
  type: 'object',
  required: ['agentSecret'],
  properties: { agentSecret: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

/**
 * Coral 1.2 URLs, as agents written for the current Coral connect: `/mcp/v1/{agentSecret}/sse/`
 * (legacy SSE; its messages are POSTed back to the same path with `?sessionId=`) and
 * `/mcp/v1/{agentSecret}/mcp` (Streamable HTTP). The secret segment alone names the agent and
 * its pool. Coral insists on the SSE path's trailing slash; we take it either way.
 */
export async function coral12AgentRoutes(
  app: FastifyInstance,
  opts: { identities: AgentIdentities; transports: AgentTransports; bodyLimit: number },
): Promise<void> {
  const { identities, transports } = opts;
  const config = AGENT_ROUTE_CONFIG;

  app.get<{ Params: { agentSecret: string } }>(
    '/mcp/v1/:agentSecret/sse',
    { config, schema: { params: SecretParams, response: errors } },
    async (request, reply) => {
      const identity = identities.resolvePathSecret(request.params.agentSecret);
      const messagePath = `/mcp/v1/${encodeURIComponent(request.params.agentSecret)}/sse/`;
      await transports.openSse(reply, messagePath, {
        identity,
        dialect: 'coral-1.2',
        description: '',
      });
    },
  );

  app.post<{ Params: { agentSecret: string }; Querystring: { sessionId: string } }>(
    '/mcp/v1/:agentSecret/sse',
    {
      config,
      bodyLimit: opts.bodyLimit,
      schema: { params: SecretParams, querystring: SessionQuery, response: errors },
    },
    async (request, reply) => {
      const identity = identities.resolvePathSecret(request.params.agentSecret);
      await transports.postSse(request, reply, request.query.sessionId, identity.pool, (who) => {
        if (who.agentId !== identity.agentId) {
          throw new GatewayError('GW_ERR_UNAUTHORIZED', 'This session belongs to another agent.');
        }
      });
    },
  );

  for (const method of ['POST', 'GET', 'DELETE'] as const) {
    app.route<{ Params: { agentSecret: string } }>({
      method,
      url: '/mcp/v1/:agentSecret/mcp',
      config,
      bodyLimit: opts.bodyLimit,
      schema: { params: SecretParams, response: errors },
      handler: async (request, reply) => {
        const identity = identities.resolvePathSecret(request.params.agentSecret);
        await transports.streamableRequest(request, reply, {
          identity,
          dialect: 'coral-1.2',
          description: '',
        });
      },
    });
  }
}
