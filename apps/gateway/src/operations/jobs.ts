import type { GameRules } from '@pardon/game';
import { classifyPoolHealth, summarizePoolHealth, type LifecycleSettings } from '@pardon/lifecycle';
import type { PaymentReconcileResult, ReconcileDeps } from '@pardon/payments';
import type { FastifyBaseLogger } from 'fastify';
import { GatewayError } from '../errors';
import type { PoolManager, PoolStatus } from '../shared/pools';
import type { Store } from '../shared/store';
import type { ThreadBus } from '../thread-bus/thread-bus';
import { sweepOrphans } from './orphan-sweep';
import { weeklyCloseReport, type GameOps, type WeeklyCloseReport } from './weekly-close';

export interface LifecycleJobsOptions {
  store: Pick<
    Store,
    | 'runSessionCleanup'
    | 'runThreadCleanup'
    | 'findClosedOrMissing'
    | 'activeCounts'
    | 'writePoolHealth'
    | 'runWeeklyClose'
    | 'runPaymentReconcile'
    | 'game'
  >;
  pools: PoolManager;
  threadBus: ThreadBus;
  lifecycle: LifecycleSettings;
  taskId: string;
  requiredAgents: readonly string[];
  log: FastifyBaseLogger;
  /** The configured game rules (weekly-close, the ops page's game). */
  rules: GameRules;
  /** What payment-reconcile checks against (the chain and settings); absent while payments are off. */
  paymentReconcile?: Omit<ReconcileDeps, 'payments' | 'now' | 'logger'> | undefined;
}

export interface PoolHealthReport {
  pools: Array<PoolStatus & { status: string; activeSessions: number }>;
  summary: ReturnType<typeof summarizePoolHealth>;
  snapshots: number;
}

/**
 * The lifecycle jobs as this task runs them by hand (`/api/cron/*`, the ops page): libs/db's
 * shared runners for the database, then this task's buses follow.
 */
export class LifecycleJobs {
  constructor(private readonly options: LifecycleJobsOptions) {}

  /** The game rules this task plays by. */
  get rules(): GameRules {
    return this.options.rules;
  }

  /** The game's storage (board and activity read the replica). */
  get game(): GameOps {
    return this.options.store.game;
  }

  /**
   * weekly-close: closes the week that ended last, idempotently (libs/db's runner, the one the
   * cron-worker schedules), recorded in cron_runs.
   */
  async weeklyClose(now = Date.now()): Promise<WeeklyCloseReport> {
    return weeklyCloseReport(await this.options.store.runWeeklyClose(now, this.rules), this.rules);
  }

  /** Whether premium payments are on (payment-reconcile has something to do). */
  get paymentsEnabled(): boolean {
    return this.options.paymentReconcile !== undefined;
  }

  /**
   * payment-reconcile: settles what players paid but never reported and closes expired intents
   * (libs/payments, the runner the cron-worker schedules), recorded in cron_runs.
   */
  async paymentReconcile(now = Date.now()): Promise<PaymentReconcileResult> {
    const deps = this.options.paymentReconcile;
    if (!deps) throw new GatewayError('GW_ERR_PAYMENTS_DISABLED');
    return this.options.store.runPaymentReconcile(now, deps);
  }

  async sessionCleanup(now = Date.now()): Promise<{
    expiredSessions: number;
    closedThreads: number;
    busThreadsClosed: number;
    notifications: number;
    purgedNonces: number;
  }> {
    const r = await this.options.store.runSessionCleanup(now, this.options.lifecycle);
    const busThreadsClosed = this.options.threadBus.closeHeldThreads(
      r.closedThreadIds,
      'Session expired.',
    );
    return {
      expiredSessions: r.expiredSessions,
      closedThreads: r.closedThreadIds.length,
      busThreadsClosed,
      notifications: r.notifications,
      purgedNonces: r.purgedNonces,
    };
  }

  async threadCleanup(now = Date.now()): Promise<{
    closedThreads: number;
    busThreadsClosed: number;
    orphansClosed: number;
    notifications: number;
  }> {
    const r = await this.options.store.runThreadCleanup(now, this.options.lifecycle);
    const busThreadsClosed = this.options.threadBus.closeHeldThreads(
      r.closedThreadIds,
      'Thread closed by cleanup.',
    );
    const orphansClosed = await this.sweepOrphans(now);
    return {
      closedThreads: r.closedThreadIds.length,
      busThreadsClosed,
      orphansClosed,
      notifications: r.notifications,
    };
  }

  sweepOrphans(now = Date.now()): Promise<number> {
    return sweepOrphans(this.options, now);
  }

  /** Classifies this task's pools, records a snapshot of each, logs unhealthy ones. */
  async poolHealth(now = Date.now()): Promise<PoolHealthReport> {
    const { store, taskId, lifecycle, log } = this.options;
    const counts = await store.activeCounts(taskId);
    const pools = this.options.pools.statuses().map((p) => {
      const h = classifyPoolHealth({
        requiredAgents: this.options.requiredAgents,
        connectedAgents: p.agentsConnected,
        activeThreads: p.activeThreads,
        capacity: p.capacity,
        threshold: lifecycle.poolLoadThreshold,
      });
      return { ...p, status: h.status, activeSessions: counts[p.pool]?.sessions ?? 0 };
    });
    const snapshots = await store.writePoolHealth(
      pools.map((p) => ({
        taskId,
        pool: p.pool,
        status: p.status,
        activeThreads: p.activeThreads,
        activeSessions: p.activeSessions,
        agentsConnected: p.agentsConnected.length,
        takenAt: new Date(now),
      })),
    );
    const summary = summarizePoolHealth(Object.fromEntries(pools.map((p) => [p.pool, p])));
    if (summary.noneHealthy) log.error({ summary }, 'no pool is healthy');
    else if (summary.unhealthyPools.length > 0) log.warn({ summary }, 'unhealthy pools');
    return { pools, summary, snapshots };
  }
}
