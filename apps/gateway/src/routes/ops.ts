import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorBodySchema, GatewayError } from '../errors';
import { bearerOf } from '../plugins/auth';

const errors = { '4xx': ErrorBodySchema, '5xx': ErrorBodySchema } as const;
const HEALTH_DB_TIMEOUT_MS = 2000;

const PoolSchema = {
  type: 'object',
  required: ['pool', 'ready', 'agentsConnected', 'missingAgents', 'activeThreads', 'capacity'],
  properties: {
    pool: { type: 'string' },
    ready: { type: 'boolean' },
    agentsConnected: { type: 'array', items: { type: 'string' } },
    missingAgents: { type: 'array', items: { type: 'string' } },
    activeThreads: { type: 'integer' },
    capacity: { type: 'integer' },
    status: { type: 'string' },
    activeSessions: { type: 'integer' },
  },
} as const;

const HealthSchema = {
  type: 'object',
  required: ['status', 'taskId', 'database', 'pools'],
  properties: {
    status: { type: 'string' },
    taskId: { type: 'string' },
    database: { type: 'string' },
    pools: { type: 'array', items: PoolSchema },
  },
} as const;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    t.unref();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** ALB health, Prometheus metrics and the hand-run lifecycle jobs. */
export async function opsRoutes(app: FastifyInstance): Promise<void> {
  const config = { rateLimit: false } as const;

  app.get(
    '/health',
    { config, schema: { response: { 200: HealthSchema, 503: HealthSchema } } },
    async (request, reply) => {
      let database = 'up';
      try {
        if (!(await withTimeout(app.store.ping(), HEALTH_DB_TIMEOUT_MS))) database = 'down';
      } catch (err) {
        request.log.warn({ err }, 'health: database does not answer');
        database = 'down';
      }
      const pools = app.core.poolStatuses();
      const ok = database === 'up' && pools.some((p) => p.ready) && !app.shuttingDown;
      return reply.status(ok ? 200 : 503).send({
        status: ok ? 'ok' : app.shuttingDown ? 'shutting_down' : 'unavailable',
        taskId: app.config.taskId,
        database,
        pools,
      });
    },
  );

  app.get('/metrics', { config, schema: { response: { ...errors } } }, async (_request, reply) => {
    const m = app.metrics;
    for (const p of app.core.poolStatuses()) {
      m.agentsConnected.set({ pool: p.pool }, p.agentsConnected.length);
      m.activeThreads.set({ pool: p.pool }, p.activeThreads);
      m.poolReady.set({ pool: p.pool }, p.ready ? 1 : 0);
    }
    const body = await m.registry.metrics();
    return reply.type(m.registry.contentType).send(body);
  });

  const secret = app.config.cronSecret;
  const requireCron = async (request: FastifyRequest) => {
    // Without a secret the jobs are disabled, never open.
    if (secret === undefined) throw new GatewayError('GW_ERR_CRON_DISABLED');
    const token = bearerOf(request);
    const ok =
      token !== undefined &&
      token.length === secret.length &&
      timingSafeEqual(Buffer.from(token), Buffer.from(secret));
    if (!ok)
      throw new GatewayError(
        'GW_ERR_UNAUTHORIZED',
        'Cron jobs need Authorization: Bearer CRON_SECRET.',
      );
  };
  const cronSchema = {
    response: { 200: { type: 'object', additionalProperties: true }, ...errors },
  };

  app.post(
    '/api/cron/session-cleanup',
    { config, preHandler: requireCron, schema: cronSchema },
    async () => ({
      job: 'session-cleanup',
      ...(await app.core.sessionCleanup()),
    }),
  );
  app.post(
    '/api/cron/thread-cleanup',
    { config, preHandler: requireCron, schema: cronSchema },
    async () => ({
      job: 'thread-cleanup',
      ...(await app.core.threadCleanup()),
    }),
  );
  app.post(
    '/api/cron/pool-health',
    { config, preHandler: requireCron, schema: cronSchema },
    async () => ({
      job: 'pool-health',
      ...(await app.core.poolHealth()),
    }),
  );
}
