import type { FastifyInstance } from 'fastify';
import { ErrorResponses } from '../errors';
import { requireBearer } from '../shared/bearer';
import type { LifecycleJobs } from './jobs';

const cronSchema = {
  response: { 200: { type: 'object', additionalProperties: true }, ...ErrorResponses },
} as const;

/**
 * `POST /api/cron/{session-cleanup,thread-cleanup,pool-health,weekly-close,payment-reconcile}`:
 * the lifecycle jobs, the game's week close and the payments' reconcile run by hand on this task, behind `Authorization: Bearer CRON_SECRET`
 * (unset = disabled, 404).
 */
export async function cronRoutes(
  app: FastifyInstance,
  opts: { jobs: LifecycleJobs; cronSecret: string | undefined },
): Promise<void> {
  const { jobs } = opts;
  const preHandler = requireBearer({
    secret: opts.cronSecret,
    whenUnset: 'GW_ERR_CRON_DISABLED',
    unauthorizedMessage: 'Cron jobs need Authorization: Bearer CRON_SECRET.',
  });
  const route = { config: { rateLimit: false }, preHandler, schema: cronSchema } as const;

  app.post('/api/cron/session-cleanup', route, async () => ({
    job: 'session-cleanup',
    ...(await jobs.sessionCleanup()),
  }));
  app.post('/api/cron/thread-cleanup', route, async () => ({
    job: 'thread-cleanup',
    ...(await jobs.threadCleanup()),
  }));
  app.post('/api/cron/pool-health', route, async () => ({
    job: 'pool-health',
    ...(await jobs.poolHealth()),
  }));
  // Closes the week that ended last; idempotent (a second call returns created: false).
  app.post('/api/cron/weekly-close', route, async () => jobs.weeklyClose());
  // Settles unreported payments and closes expired intents; idempotent (payments_disabled if off).
  app.post('/api/cron/payment-reconcile', route, async () => jobs.paymentReconcile());
}
