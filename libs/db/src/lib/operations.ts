import { Prisma } from '../generated/prisma/client';
import type { RepoContext } from './context';
import { InvalidInputError } from './errors';
import { requireText } from './sessions';
import type { GatewayTask, PoolHealthSnapshot, PoolHealthStatus } from './types';

const STATUSES: ReadonlySet<string> = new Set<PoolHealthStatus>([
  'healthy',
  'degraded',
  'unhealthy',
]);

export interface GatewayTasksRepository {
  /** Registers the task on first call and moves its heartbeat on every later one. */
  heartbeat(input: { taskId: string; baseUrl: string; at?: Date }): Promise<GatewayTask>;
  /** Tasks whose last heartbeat is at or after `since`. */
  listLive(since: Date): Promise<GatewayTask[]>;
  /** Removes the task from the registry (graceful shutdown). */
  remove(taskId: string): Promise<boolean>;
}

export interface PoolHealthRepository {
  record(snapshots: PoolHealthSnapshot[]): Promise<number>;
  /** The newest snapshot per (task, pool) taken at or after `since`; read from the reader. */
  latest(options?: { since?: Date }): Promise<PoolHealthSnapshot[]>;
  /** Snapshots taken at or after `since`, oldest first, at most `limit` (the newest ones). */
  history(options: { since: Date; limit?: number }): Promise<PoolHealthSnapshot[]>;
}

/** The last run of a lifecycle job. */
export interface CronRun {
  job: string;
  startedAt: Date;
  finishedAt: Date;
  ok: boolean;
  /** The job's JSON result (counts); null when it failed. */
  summary: Record<string, unknown> | null;
  error: string | null;
}

export interface CronRunsRepository {
  /** Overwrites the job's last run. */
  record(run: CronRun): Promise<void>;
  /** The last run of every job that ever ran, by job name. */
  list(): Promise<CronRun[]>;
}

function toTask(row: GatewayTask): GatewayTask {
  const { taskId, baseUrl, startedAt, lastHeartbeatAt } = row;
  return { taskId, baseUrl, startedAt, lastHeartbeatAt };
}

function nonNegativeInt(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidInputError(field, `${field} must be a non-negative integer`);
  }
  return value;
}

export function gatewayTasksRepository(ctx: RepoContext): GatewayTasksRepository {
  return {
    heartbeat: ({ taskId, baseUrl, at }) => {
      requireText('taskId', taskId);
      requireText('baseUrl', baseUrl, 2000);
      const now = at ?? new Date();
      return ctx.run('gatewayTasks.heartbeat', async () =>
        toTask(
          await ctx.writer.gatewayTask.upsert({
            where: { taskId },
            create: { taskId, baseUrl, startedAt: now, lastHeartbeatAt: now },
            update: { baseUrl, lastHeartbeatAt: now },
          }),
        ),
      );
    },
    listLive: (since) =>
      ctx.run('gatewayTasks.listLive', async () =>
        (
          await ctx.writer.gatewayTask.findMany({
            where: { lastHeartbeatAt: { gte: since } },
            orderBy: { taskId: 'asc' },
          })
        ).map(toTask),
      ),
    remove: (taskId) =>
      ctx.run('gatewayTasks.remove', async () => {
        const { count } = await ctx.writer.gatewayTask.deleteMany({ where: { taskId } });
        return count > 0;
      }),
  };
}

export function poolHealthRepository(ctx: RepoContext): PoolHealthRepository {
  return {
    record: (snapshots) => {
      for (const s of snapshots) {
        requireText('taskId', s.taskId);
        requireText('pool', s.pool);
        if (!STATUSES.has(s.status)) {
          throw new InvalidInputError('status', 'status must be healthy, degraded or unhealthy');
        }
        nonNegativeInt('activeThreads', s.activeThreads);
        nonNegativeInt('activeSessions', s.activeSessions);
        nonNegativeInt('agentsConnected', s.agentsConnected);
      }
      if (snapshots.length === 0) return Promise.resolve(0);
      return ctx.run('poolHealth.record', async () => {
        const { count } = await ctx.writer.poolHealthSnapshot.createMany({
          data: snapshots.map((s) => ({
            taskId: s.taskId,
            pool: s.pool,
            status: s.status,
            activeThreads: s.activeThreads,
            activeSessions: s.activeSessions,
            agentsConnected: s.agentsConnected,
            takenAt: s.takenAt,
          })),
        });
        return count;
      });
    },
    latest: ({ since } = {}) =>
      ctx.run(
        'poolHealth.latest',
        () =>
          ctx.reader.$queryRaw<PoolHealthSnapshot[]>`
          SELECT DISTINCT ON (task_id, pool)
                 task_id AS "taskId", pool, status, active_threads AS "activeThreads",
                 active_sessions AS "activeSessions", agents_connected AS "agentsConnected",
                 taken_at AS "takenAt"
          FROM pool_health_snapshots
          ${since ? Prisma.sql`WHERE taken_at >= ${since}` : Prisma.empty}
          ORDER BY task_id, pool, taken_at DESC`,
      ),
    history: ({ since, limit = 2000 }) => {
      const take = nonNegativeInt('limit', limit);
      return ctx.run('poolHealth.history', async () =>
        (
          await ctx.reader.poolHealthSnapshot.findMany({
            where: { takenAt: { gte: since } },
            orderBy: { takenAt: 'desc' },
            take,
          })
        )
          .reverse()
          .map((r) => ({
            taskId: r.taskId,
            pool: r.pool,
            status: r.status as PoolHealthStatus,
            activeThreads: r.activeThreads,
            activeSessions: r.activeSessions,
            agentsConnected: r.agentsConnected,
            takenAt: r.takenAt,
          })),
      );
    },
  };
}

export function cronRunsRepository(ctx: RepoContext): CronRunsRepository {
  return {
    record: (run) => {
      requireText('job', run.job, 100);
      const summary = run.summary === null ? null : JSON.stringify(run.summary);
      // One row per job holds its latest run: a slow recording of an older run (the runners do not
      // await it) must not overwrite a newer one: the row only moves forward in finish time.
      return ctx.run('cronRuns.record', async () => {
        await ctx.writerPool.query(
          `INSERT INTO cron_runs (job, started_at, finished_at, ok, summary, error)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6)
           ON CONFLICT (job) DO UPDATE
             SET started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
                 ok = EXCLUDED.ok, summary = EXCLUDED.summary, error = EXCLUDED.error,
                 updated_at = now()
             WHERE cron_runs.finished_at <= EXCLUDED.finished_at`,
          [run.job, run.startedAt, run.finishedAt, run.ok, summary, run.error],
        );
      });
    },
    list: () =>
      ctx.run('cronRuns.list', async () =>
        (await ctx.reader.cronRun.findMany({ orderBy: { job: 'asc' } })).map((r) => ({
          job: r.job,
          startedAt: r.startedAt,
          finishedAt: r.finishedAt,
          ok: r.ok,
          summary: (r.summary ?? null) as Record<string, unknown> | null,
          error: r.error,
        })),
      ),
  };
}
