import { runPoolHealth, type Db, type GatewayTask } from '@pardon/db';
import type { FastifyInstance } from 'fastify';
import { ErrorResponses as errors } from '../errors';
import { requireBearer } from '../shared/bearer';
import type { PoolManager } from '../shared/pools';
import { DbStore } from '../shared/store-db';
import type { Store } from '../shared/store';
import type { LifecycleJobs } from './jobs';

const JOBS = ['session-cleanup', 'thread-cleanup', 'pool-health'] as const;
type Job = (typeof JOBS)[number];

/** A task is live while its heartbeat is this recent (three default heartbeats). */
const LIVE_WINDOW_MS = 90_000;
const HEALTH_TIMEOUT_MS = 2_000;
const HISTORY_WINDOW_MS = 30 * 60_000;
const HISTORY_LIMIT = 3_000;

export interface OpsApiOptions {
  store: Store;
  pools: PoolManager;
  jobs: LifecycleJobs;
  taskId: string;
  opsToken: string | undefined;
  shuttingDown: () => boolean;
}

interface TaskHealth {
  reachable: boolean;
  error?: string;
  status?: string;
  database?: string;
  pools: unknown[];
}

/** A task's own `/health` (200 or 503 both carry the pools); never throws. */
async function fetchHealth(task: GatewayTask, opsToken: string): Promise<TaskHealth> {
  try {
    const response = await fetch(new URL('/health', task.baseUrl), {
      // The token unlocks the per-agent detail the dashboard shows.
      headers: { accept: 'application/json', authorization: `Bearer ${opsToken}` },
      signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
    });
    const body = (await response.json()) as {
      status?: string;
      database?: string;
      pools?: unknown[];
    };
    return {
      reachable: true,
      status: body.status ?? 'unknown',
      database: body.database ?? 'unknown',
      pools: Array.isArray(body.pools) ? body.pools : [],
    };
  } catch (err) {
    return { reachable: false, error: err instanceof Error ? err.message : String(err), pools: [] };
  }
}

/**
 * The operations page's API, behind `Authorization: Bearer OPS_TOKEN` (unset = 404, never
 * open): the task registry with each task's live pools, recent pool-health snapshots, the last
 * run of each job, and running a job now.
 */
export async function opsApiRoutes(app: FastifyInstance, opts: OpsApiOptions): Promise<void> {
  const { store, pools, jobs, taskId } = opts;
  const requireOperator = requireBearer({
    secret: opts.opsToken,
    whenUnset: 'GW_ERR_NOT_FOUND',
    whenUnsetMessage: 'The operations API is disabled (OPS_TOKEN unset).',
    unauthorizedMessage: 'The dashboard needs the operator token.',
  });
  // Ops reads go to the database the gateway already holds; a custom store (tests) has none.
  const dbOf = (): Db | undefined => (store instanceof DbStore ? store.db : undefined);
  const config = { rateLimit: false } as const;

  app.get(
    '/api/ops/overview',
    { config, preHandler: requireOperator, schema: { response: { ...errors } } },
    async () => {
      const now = Date.now();
      const db = dbOf();
      const self: GatewayTask = {
        taskId: taskId,
        baseUrl: '',
        startedAt: new Date(now),
        lastHeartbeatAt: new Date(now),
      };
      const [tasks, history, runs] = db
        ? await Promise.all([
            db.gatewayTasks.listLive(new Date(now - LIVE_WINDOW_MS)),
            db.poolHealth.history({
              since: new Date(now - HISTORY_WINDOW_MS),
              limit: HISTORY_LIMIT,
            }),
            db.cronRuns.list(),
          ])
        : [[self], [], []];
      const healths = await Promise.all(
        tasks.map((t) =>
          t.taskId === taskId
            ? Promise.resolve<TaskHealth>({
                reachable: true,
                status: opts.shuttingDown() ? 'shutting_down' : 'ok',
                database: 'up',
                pools: pools.statuses(),
              })
            : fetchHealth(t, opts.opsToken as string),
        ),
      );
      const byJob = new Map(runs.map((r) => [r.job, r]));
      return {
        now: new Date(now).toISOString(),
        taskId: taskId,
        tasks: tasks.map((t, i) => ({
          taskId: t.taskId,
          baseUrl: t.baseUrl,
          startedAt: t.startedAt.toISOString(),
          lastHeartbeatAt: t.lastHeartbeatAt.toISOString(),
          ...healths[i],
        })),
        history: history.map((s) => ({
          taskId: s.taskId,
          pool: s.pool,
          status: s.status,
          activeThreads: s.activeThreads,
          agentsConnected: s.agentsConnected,
          takenAt: s.takenAt.toISOString(),
        })),
        cron: JOBS.map((job) => {
          const r = byJob.get(job);
          return {
            job,
            lastRun: r
              ? {
                  startedAt: r.startedAt.toISOString(),
                  finishedAt: r.finishedAt.toISOString(),
                  ok: r.ok,
                  summary: r.summary,
                  error: r.error,
                }
              : null,
          };
        }),
      };
    },
  );

  app.post<{ Params: { job: string } }>(
    '/api/ops/cron/:job',
    {
      config,
      preHandler: requireOperator,
      schema: {
        params: {
          type: 'object',
          required: ['job'],
          properties: { job: { type: 'string', enum: [...JOBS] } },
        },
        response: { ...errors },
      },
    },
    async (request) => {
      const job = request.params.job as Job;
      const now = Date.now();
      if (job === 'session-cleanup') return { job, result: await jobs.sessionCleanup(now) };
      if (job === 'thread-cleanup') return { job, result: await jobs.threadCleanup(now) };
      const db = dbOf();
      // Fleet-wide, as the cron-worker runs it: every live task's /health, one snapshot per pool.
      if (!db) return { job, result: await jobs.poolHealth(now) };
      const r = await runPoolHealth(db, {
        now,
        liveWindowMs: LIVE_WINDOW_MS,
        fetchHealth: (task) =>
          task.taskId === taskId
            ? Promise.resolve({
                status: 'ok',
                taskId: taskId,
                database: 'up',
                pools: pools.statuses(),
              })
            : fetch(new URL('/health', task.baseUrl), {
                headers: { authorization: `Bearer ${opts.opsToken as string}` },
                signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
              }).then((res) => res.json()),
        logger: request.log,
      });
      return {
        job,
        result: { snapshots: r.snapshots, liveTasks: r.liveTasks, pools: r.pools },
      };
    },
  );
}
