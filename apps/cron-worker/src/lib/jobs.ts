import {
  recorded,
  runPoolHealth,
  runSessionCleanup,
  runThreadCleanup,
  runWeeklyClose,
  type Db,
  type GatewayTask,
  type LifecycleNotifier,
} from '@pardon/db';
import type { Logger } from 'pino';
import { runPaymentReconcile } from '@pardon/payments';
import { createRpcChain } from '@pardon/solana';
import { request } from 'undici';
import type { WorkerConfig, WorkerJobName } from './config';
import { buildMetrics, metricsWindow, type MetricsSink } from './metrics';

export interface JobContext {
  db: Db;
  notifier: LifecycleNotifier;
  metrics: MetricsSink;
  config: WorkerConfig;
  log: Logger;
  /** Where the interval metrics this worker last published end (see `metricsWindow`). */
  metricsWindowEnd?: number;
}

/** GET `<baseUrl>/health` with a deadline; resolves to the JSON body whatever the status. */
export async function fetchGatewayHealth(
  task: GatewayTask,
  timeoutMs: number,
  opsToken?: string,
): Promise<unknown> {
  const url = new URL('/health', task.baseUrl);
  const response = await request(url, {
    method: 'GET',
    // With the ops token the gateway names the agents of each pool.
    headers: {
      accept: 'application/json',
      ...(opsToken ? { authorization: `Bearer ${opsToken}` } : {}),
    },
    signal: AbortSignal.timeout(timeoutMs),
  });
  // 503 still carries the per-pool JSON; anything else unparsable is reported by the runner.
  return response.body.json();
}

/**
 * Runs one job now with the shared runners of @pardon/db; pool-health then publishes the custom
 * metrics. Resolves to the JSON the job reports (`--once` prints it).
 */
export async function runJob(
  job: WorkerJobName,
  ctx: JobContext,
  now: number,
): Promise<Record<string, unknown>> {
  const { db, notifier, config, log } = ctx;
  const common = { now, batchSize: config.batchSize, notifier, logger: log };
  switch (job) {
    case 'session-cleanup':
      return { ...(await runSessionCleanup(db, { ...common, settings: config.settings })) };
    case 'thread-cleanup':
      return { ...(await runThreadCleanup(db, { ...common, settings: config.settings })) };
    case 'weekly-close':
      return { ...(await runWeeklyClose({ db, rules: config.gameRules, now, logger: log })) };
    case 'payment-reconcile': {
      const settings = config.payments;
      if (!settings.enabled)
        return { job, skipped: 'premium payments are off (PAYMENT_CHAIN=off)' };
      const chain = createRpcChain({ url: settings.rpcUrl, commitment: settings.commitment });
      return recorded(db, job, { now, logger: log }, async () => ({
        ...(await runPaymentReconcile(
          {
            payments: db.payments,
            chain,
            settings,
            rules: config.gameRules,
            now: () => now,
            logger: log,
          },
          { limit: config.batchSize },
        )),
      }));
    }
    case 'pool-health': {
      const result = await runPoolHealth(db, {
        now,
        settings: config.settings,
        liveWindowMs: config.gatewayLiveWindowMs,
        fetchHealth: (task) => fetchGatewayHealth(task, config.healthTimeoutMs, config.opsToken),
        logger: log,
      });
      const intervalMs = config.settings.schedules['pool-health'].intervalMs;
      const span = metricsWindow(ctx.metricsWindowEnd, now, intervalMs);
      const window = { from: new Date(span.from), to: new Date(span.to) };
      const [payments, game] = await Promise.all([
        db.payments.volume(window),
        db.game.intervalTotals(window),
      ]);
      const metrics = buildMetrics({
        counts: result.counts,
        pools: result.pools,
        payments,
        currencies: config.metrics.currencies,
        game,
      });
      let metricsError: string | undefined;
      try {
        await ctx.metrics.publish(metrics, new Date(now));
        // Published: the next span starts here. A failed publish is covered by the next one.
        ctx.metricsWindowEnd = span.to;
      } catch (err) {
        // Snapshots are stored; a metrics outage must not fail the health check itself.
        metricsError = err instanceof Error ? err.message : String(err);
        log.warn({ err }, 'pool-health: publishing metrics failed');
      }
      return {
        ...result,
        metrics: {
          sink: ctx.metrics.kind,
          published: metricsError === undefined ? metrics.length : 0,
          paymentWindowMs: span.to - span.from,
          ...(metricsError !== undefined ? { error: metricsError } : {}),
        },
      };
    }
  }
}
