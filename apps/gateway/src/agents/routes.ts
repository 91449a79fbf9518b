import type { FastifyError, FastifyInstance } from 'fastify';
import type { PoolManager } from '../shared/pools';
import { coral12AgentRoutes } from './coral12-routes';
import { devmodeAgentRoutes } from './devmode-routes';
import type { AgentIdentities } from './identity';
import { sessionApiRoutes } from './session-api-routes';
import type { AgentTransports } from './transports';

/**
 * The endpoint agents connect to, for both Coral generations (the dialects' routes) and Coral's
 * session API. An agent call over the body limit is answered as JSON-RPC, which MCP clients
 * can read, rather than the player API's error shape.
 */
export async function agentRoutes(
  app: FastifyInstance,
  opts: {
    pools: PoolManager;
    identities: AgentIdentities;
    transports: AgentTransports;
    bodyLimit: number;
    opsToken: string | undefined;
  },
): Promise<void> {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw err;
    request.log.warn({ limit: opts.bodyLimit }, 'agent request over the body limit');
    // Not the player API's `{error, message}`: the route's response schema must not apply.
    return reply
      .code(413)
      .type('application/json')
      .serializer(JSON.stringify)
      .send({
        jsonrpc: '2.0',
        id: null,
        error: {
          code: -32600,
          message: `The request is larger than ${opts.bodyLimit} bytes; a message may have at most 100,000 characters.`,
        },
      });
  });
  app.addHook('preClose', () => opts.transports.close());
  await app.register(devmodeAgentRoutes, opts);
  await app.register(coral12AgentRoutes, opts);
  await app.register(sessionApiRoutes, opts);
}
