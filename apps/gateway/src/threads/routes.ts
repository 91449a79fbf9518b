import type { FastifyInstance } from 'fastify';
import { ErrorResponses as errors, GatewayError } from '../errors';
import { WireMessageSchema } from '../shared/messages';
import { ThreadParams } from '../shared/thread-params';
import { HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT, type Threads } from './threads';

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

/**
 * The thread routes of DESIGN.md §6: create and list threads, post and read messages, close.
 * Player routes: bearer token and per-wallet limit.
 */
export async function threadRoutes(
  app: FastifyInstance,
  opts: { threads: Threads; maxMessageChars: number },
): Promise<void> {
  const { threads, maxMessageChars } = opts;
  app.addHook('preHandler', app.authenticate);
  app.addHook('preHandler', app.limitWallet);

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
      const t = await threads.create(request.wallet, request.body.agentId);
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
    async (request) => ({ threads: await threads.list(request.wallet) }),
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
      if ([...content].length > maxMessageChars) {
        throw new GatewayError(
          'GW_ERR_MESSAGE_TOO_LONG',
          `content is longer than ${maxMessageChars} characters`,
        );
      }
      const r = await threads.post(request.wallet, request.params.id, {
        content,
        clientMessageId,
      });
      return reply.status(202).send(r);
    },
  );

  app.get<{ Params: { id: string }; Querystring: { after?: string; limit?: string } }>(
    '/api/threads/:id/messages',
    {
      schema: {
        params: ThreadParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            after: { type: 'string', minLength: 1, maxLength: 64 },
            // Digits only (query strings are not coerced); the range is checked below.
            limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['messages', 'nextAfter'],
            properties: {
              messages: { type: 'array', items: WireMessageSchema },
              // The `after` of the next page; null on the last page.
              nextAfter: { type: ['string', 'null'] },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const { after, limit } = request.query;
      const n = limit === undefined ? HISTORY_DEFAULT_LIMIT : Number(limit);
      if (n < 1 || n > HISTORY_MAX_LIMIT) {
        throw new GatewayError(
          'GW_ERR_VALIDATION',
          `limit must be an integer from 1 to ${HISTORY_MAX_LIMIT}.`,
        );
      }
      return threads.history(request.wallet, request.params.id, after, n);
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
      await threads.close(request.wallet, request.params.id);
      return { threadId: request.params.id, closed: true };
    },
  );
}
