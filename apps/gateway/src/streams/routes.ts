import type { FastifyInstance } from 'fastify';
import { ErrorResponses } from '../errors';
import { ThreadParams } from '../shared/thread-params';
import type { Streams } from './streams';

/**
 * `GET /api/threads/:id/events`: the thread's messages as server-sent events, resuming after
 * `Last-Event-ID`. Player route: bearer token and per-wallet limit.
 */
export async function streamRoutes(
  app: FastifyInstance,
  opts: { streams: Streams },
): Promise<void> {
  const { streams } = opts;
  app.addHook('preHandler', app.authenticate);
  app.addHook('preHandler', app.limitWallet);

  app.get<{ Params: { id: string } }>(
    '/api/threads/:id/events',
    {
      schema: {
        params: ThreadParams,
        headers: {
          type: 'object',
          properties: { 'last-event-id': { type: 'string', maxLength: 64 } },
        },
        response: { ...ErrorResponses },
      },
    },
    async (request, reply) => {
      const lastEventId = request.headers['last-event-id'];
      // Authorisation and limits are checked before the response is taken over, so that they
      // still answer as JSON errors.
      const stream = await streams.prepare(
        request.wallet,
        request.params.id,
        typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : undefined,
      );
      // From here the stream owns its slot: `start` frees it when the stream ends, or at once
      // when the client hung up meanwhile.
      reply.hijack();
      await stream.start(reply.raw);
    },
  );
}
