import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorResponses as errors } from '../errors';
import { bearerOf, requireBearer, sameSecret } from '../shared/bearer';
import type { GatewayMetrics } from '../plugins/metrics';
import type { PoolManager } from '../shared/pools';
import type { Store } from '../shared/store';

export interface HealthRoutesOptions {
  store: Pick<Store, 'ping'>;
  pools: PoolManager;
  metrics: GatewayMetrics;
  taskId: string;
  /** OPS_TOKEN: unlocks the per-agent detail of /health and /metrics (unset: /metrics is 404). */
  opsToken: string | undefined;
  /** True once shutdown began: /health answers 503 so the balancer drains this task. */
  shuttingDown: () => boolean;
}
const HEALTH_DB_TIMEOUT_MS = 2000;

// Without the ops token a pool shows what the balancer and the cron-worker's fallback need; the
// agent lists (which agent is connected where) come with the token only.
const PoolSchema = {
  type: 'object',
  required: ['pool', 'ready', 'activeThreads', 'capacity'],
  properties: {
    pool: { type: 'string' },
    ready: { type: 'boolean' },
    agentsConnected: { type: 'array', items: { type: 'string' } },
    missingAgents: { type: 'array', items: { type: 'string' } },
    activeThreads: { type: 'integer' },
    // Open and recently closed threads held in memory (closed ones leave after their grace).
    heldThreads: { type: 'integer' },
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

/**
 * `GET /health` (the balancer's target health, per pool; the per-agent detail with the ops
 * token) and `GET /metrics` (Prometheus, ops token only).
 */
export async function healthRoutes(app: FastifyInstance, opts: HealthRoutesOptions): Promise<void> {
  const { store, pools, metrics, taskId, shuttingDown, opsToken } = opts;
  const config = { rateLimit: false } as const;
  const isOperator = (request: FastifyRequest) =>
    opsToken !== undefined && sameSecret(bearerOf(request), opsToken);
  const requireOperator = requireBearer({
    secret: opsToken,
    whenUnset: 'GW_ERR_NOT_FOUND',
    whenUnsetMessage: '/metrics is disabled (OPS_TOKEN unset).',
    unauthorizedMessage: '/metrics needs the operator token.',
  });

  app.get(
    '/health',
    { config, schema: { response: { 200: HealthSchema, 503: HealthSchema } } },
    async (request, reply) => {
      let database = 'up';
      try {
        if (!(await withTimeout(store.ping(), HEALTH_DB_TIMEOUT_MS))) database = 'down';
      } catch (err) {
        request.log.warn({ err }, 'health: database does not answer');
        database = 'down';
      }
      const statuses = pools.statuses();
      const ok = database === 'up' && statuses.some((p) => p.ready) && !shuttingDown();
      return reply.status(ok ? 200 : 503).send({
        status: ok ? 'ok' : shuttingDown() ? 'shutting_down' : 'unavailable',
        taskId,
        database,
        pools: isOperator(request)
          ? statuses
          : statuses.map(({ pool, ready, activeThreads, capacity }) => ({
              pool,
              ready,
              activeThreads,
              capacity,
            })),
      });
    },
  );

  app.get(
    '/metrics',
    { config, preHandler: requireOperator, schema: { response: { ...errors } } },
    async (_request, reply) => {
      const m = metrics;
      for (const p of pools.statuses()) {
        m.agentsConnected.set({ pool: p.pool }, p.agentsConnected.length);
        m.activeThreads.set({ pool: p.pool }, p.activeThreads);
        m.poolReady.set({ pool: p.pool }, p.ready ? 1 : 0);
      }
      const body = await m.registry.metrics();
      return reply.type(m.registry.contentType).send(body);
    },
  );
}
