import type { FastifyInstance } from 'fastify';
import { ErrorBodySchema, GatewayError } from '../errors';
import { WireMessageSchema } from '../lib/messages';

const errors = { '4xx': ErrorBodySchema, '5xx': ErrorBodySchema } as const;

const ThreadParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const ThreadSummarySchema = {
  type: 'object',
  required: ['threadId', 'agentId', 'pool', 'createdAt', 'closedAt'],
  properties: {
    threadId: { type: 'string' },
    agentId: { type: 'string' },
    pool: { type: 'string' },
    createdAt: { type: 'string' },
    closedAt: { type: ['string', 'null'] },
  },
} as const;

/** The player API of DESIGN.md §6 (all but sign-in); every route needs a bearer token. */
export async function playerRoutes(app: FastifyInstance): Promise<void> {
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
          ...errors,
        },
      },
    },
    async (request) => app.core.openSession(request.wallet),
  );

  app.post<{ Body: { agentId: string } }>(
    '/api/threads',
    {
      schema: {
        body: {
          type: 'object',
          required: ['agentId'],
          additionalProperties: false,
          properties: { agentId: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        response: {
          201: {
            type: 'object',
            required: ['threadId', 'agentId', 'pool'],
            properties: {
              threadId: { type: 'string' },
              agentId: { type: 'string' },
              pool: { type: 'string' },
            },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const t = await app.core.createThread(request.wallet, request.body.agentId);
      return reply.status(201).send(t);
    },
  );

  app.get(
    '/api/threads',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['threads'],
            properties: { threads: { type: 'array', items: ThreadSummarySchema } },
          },
          ...errors,
        },
      },
    },
    async (request) => ({ threads: await app.core.listThreads(request.wallet) }),
  );

  app.post<{ Params: { id: string }; Body: { content: string; clientMessageId: string } }>(
    '/api/threads/:id/messages',
    {
      schema: {
        params: ThreadParams,
        body: {
          type: 'object',
          required: ['content', 'clientMessageId'],
          additionalProperties: false,
          properties: {
            // The character limit is checked in code (it is configurable and gets its own code).
            content: { type: 'string', minLength: 1 },
            clientMessageId: { type: 'string', minLength: 1, maxLength: 128 },
          },
        },
        response: {
          202: {
            type: 'object',
            required: ['messageId'],
            properties: { messageId: { type: 'string' } },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { content, clientMessageId } = request.body;
      if ([...content].length > app.config.maxMessageChars) {
        throw new GatewayError(
          'GW_ERR_MESSAGE_TOO_LONG',
          `content is longer than ${app.config.maxMessageChars} characters`,
        );
      }
      const r = await app.core.postMessage(request.wallet, request.params.id, {
        content,
        clientMessageId,
      });
      return reply.status(202).send(r);
    },
  );

  app.get<{ Params: { id: string }; Querystring: { after?: string } }>(
    '/api/threads/:id/messages',
    {
      schema: {
        params: ThreadParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { after: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['messages'],
            properties: { messages: { type: 'array', items: WireMessageSchema } },
          },
          ...errors,
        },
      },
    },
    async (request) => ({
      messages: await app.core.history(request.wallet, request.params.id, request.query.after),
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/api/threads/:id/events',
    {
      schema: {
        params: ThreadParams,
        headers: {
          type: 'object',
          properties: { 'last-event-id': { type: 'string', maxLength: 64 } },
        },
        response: { ...errors },
      },
    },
    async (request, reply) => {
      const lastEventId = request.headers['last-event-id'];
      // Authorisation and limits are checked before the response is taken over, so that they
      // still answer as JSON errors.
      const stream = await app.core.prepareStream(
        request.wallet,
        request.params.id,
        typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : undefined,
      );
      reply.hijack();
      await stream.start(reply.raw);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/threads/:id',
    {
      schema: {
        params: ThreadParams,
        response: {
          200: {
            type: 'object',
            required: ['threadId', 'closed'],
            properties: { threadId: { type: 'string' }, closed: { type: 'boolean' } },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      await app.core.closeThread(request.wallet, request.params.id);
      return { threadId: request.params.id, closed: true };
    },
  );
}
