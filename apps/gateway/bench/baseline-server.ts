// The benchmark's baseline: a bare Fastify route doing the same database insert a player message
// costs the gateway (`@pardon/db` messages.append), nothing else. Run as its own process.
import { createDb } from '@pardon/db';
import Fastify from 'fastify';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  const db = createDb({
    writeUrl: url,
    writePoolSize: Number(process.env.DATABASE_POOL_SIZE ?? 20),
  });
  const app = Fastify({ logger: false });
  app.post<{
    Body: { threadId: string; senderId: string; content: string; clientMessageId: string };
  }>(
    '/insert',
    {
      schema: {
        body: {
          type: 'object',
          required: ['threadId', 'senderId', 'content', 'clientMessageId'],
          properties: {
            threadId: { type: 'string' },
            senderId: { type: 'string' },
            content: { type: 'string' },
            clientMessageId: { type: 'string' },
          },
        },
      },
    },
    async (request, reply) => {
      const { message } = await db.messages.append(request.body);
      return reply.status(202).send({ messageId: message.id });
    },
  );
  const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
  process.stdout.write(`listening ${address}\n`);
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(() => db.close())
      .then(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
