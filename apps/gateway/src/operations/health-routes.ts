import type { FastifyInstance } from 'fastify';
import { ErrorResponses as errors } from '../errors';
import type { GatewayMetrics } from '../plugins/metrics';
import type { PoolManager } from '../shared/pools';
import type { Store } from '../shared/store';

export interface HealthRoutesOptions {
  store: Pick<Store, 'ping'>;
  pools: PoolManager;
  metrics: GatewayMetrics;
  taskId: string;
  /** True once shutdown began: /health answers 503 so the balancer drains this task. */
  shuttingDown: () => boolean;
}
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

/** `GET /health` (the balancer's target health, per pool) and `GET /metrics` (Prometheus). */
export async function healthRoutes(app: FastifyInstance, opts: HealthRoutesOptions): Promise<void> {
  const { store, pools, metrics, taskId, shuttingDown } = opts;
  const config = { rateLimit: false } as const;

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
        pools: statuses,
      });
    },
  );

  app.get('/metrics', { config, schema: { response: { ...errors } } }, async (_request, reply) => {
    const m = metrics;
    for (const p of pools.statuses()) {
      m.agentsConnected.set({ pool: p.pool }, p.agentsConnected.length);
      m.activeThreads.set({ pool: p.pool }, p.activeThreads);
      m.poolReady.set({ pool: p.pool }, p.ready ? 1 : 0);
    }
    const body = await m.registry.metrics();
    return reply.type(m.registry.contentType).send(body);
  });
}
