import {
  DEFAULT_LIFECYCLE_SETTINGS,
  classifyPoolHealth,
  sessionExpiryCutoff,
  summarizePoolHealth,
  threadIdleCutoff,
  type LifecycleSettings,
  type PoolHealthStatus,
  type PoolHealthSummary,
} from '@pardon/lifecycle';
import { z } from 'zod';
import type { Db } from '../db';
import type { ActiveCounts, GatewayTask, PoolHealthSnapshot } from '../types';
import type { LifecycleNotifier } from './lifecycle-events';

// The lifecycle jobs of DESIGN.md §5 as plain functions over a Db, shared by the cron-worker's
// schedules and the gateway's `/api/cron/*` endpoints. The clock (`now`) and all HTTP are passed
// in, so both callers and the tests own them.

/** pino-compatible logger the jobs report problems to. */
export interface JobLogger {
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

type Announcer = Pick<LifecycleNotifier, 'publishClosedThreads'> &
  Partial<Pick<LifecycleNotifier, 'requestBusSweep'>>;

interface CleanupOptions {
  /** Epoch ms the job considers "now". */
  now: number;
  /** Rows per statement; each batch commits on its own. Default 1,000. */
  batchSize?: number;
  /** Announces closed threads to the gateways; without it nothing is announced. */
  notifier?: Announcer;
  logger?: JobLogger;
}

export interface SessionCleanupOptions extends CleanupOptions {
  settings?: Pick<LifecycleSettings, 'sessionIdleMs'>;
}

export interface SessionCleanupResult {
  job: 'session-cleanup';
  /** Sessions whose last activity is at or before this instant were ended. */
  cutoff: string;
  expiredSessions: number;
  closedThreads: number;
  batches: number;
  /** NOTIFY payloads sent; 0 with `notifyFailed` when the announcement could not be sent. */
  notifications: number;
  notifyFailed: boolean;
  /** Sign-in nonces that had expired by `now`, deleted in batches. */
  purgedNonces: number;
  closedThreadIds: string[];
}

// Recordings still being written, so a process about to close its Db can let them land.
const pendingRecords = new Set<Promise<void>>();

/**
 * Resolves once every job run recorded so far is stored (or failed to be): call it before closing
 * the Db in a process that exits right after a job (`cron-worker --once`), or the row is lost.
 */
export async function flushJobRecords(): Promise<void> {
  while (pendingRecords.size > 0) await Promise.allSettled([...pendingRecords]);
}

/**
 * Runs a job and stores it as the job's last run (the ops dashboard reads it). Only the result's
 * scalar fields are kept: id lists can be long. Recording is best effort and not awaited: a job
 * that did its work is neither failed nor delayed by the bookkeeping (a caller acting on the
 * result races the job's own NOTIFY announcements, and must not lose that race because of it).
 */
export async function recorded<T extends object>(
  db: { cronRuns: Pick<Db['cronRuns'], 'record'> },
  job: string,
  options: { now: number; logger?: JobLogger | undefined },
  run: () => Promise<T>,
): Promise<T> {
  const startedAt = new Date(options.now);
  const save = (ok: boolean, summary: Record<string, unknown> | null, error: string | null) => {
    const saving = (async () => {
      try {
        await db.cronRuns.record({ job, startedAt, finishedAt: new Date(), ok, summary, error });
      } catch (err) {
        options.logger?.warn({ err, job }, 'recording the job run failed');
      }
    })();
    pendingRecords.add(saving);
    void saving.finally(() => pendingRecords.delete(saving));
    return saving;
  };
  try {
    const result = await run();
    const summary = Object.fromEntries(
      Object.entries(result).filter(([, v]) => v === null || typeof v !== 'object'),
    );
    void save(true, summary, null);
    return result;
  } catch (err) {
    void save(false, null, err instanceof Error ? err.message : String(err));
    throw err;
  }
}

/**
 * session-cleanup: ends every active session idle for `sessionIdleMs` or longer (60 min by
 * default) and closes its threads, in batches, then announces the closed threads, and purges the
 * expired sign-in nonces (DESIGN.md §5). Idempotent.
 */
export function runSessionCleanup(
  db: Db,
  options: SessionCleanupOptions,
): Promise<SessionCleanupResult> {
  return recorded(db, 'session-cleanup', options, () => sessionCleanup(db, options));
}

async function sessionCleanup(
  db: Db,
  options: SessionCleanupOptions,
): Promise<SessionCleanupResult> {
  const settings = options.settings ?? DEFAULT_LIFECYCLE_SETTINGS;
  const cutoff = new Date(sessionExpiryCutoff(options.now, settings));
  const expiry = await db.sessions.expireIdle({
    cutoff,
    reason: 'idle',
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
  });
  const announced = await announce(options, 'session_expired', expiry.closedThreadIds);
  const purgedNonces = await purgeExpiredNonces(db, new Date(options.now), options.batchSize);
  return {
    job: 'session-cleanup',
    cutoff: cutoff.toISOString(),
    expiredSessions: expiry.sessions.length,
    closedThreads: expiry.closedThreadIds.length,
    batches: expiry.batches,
    ...announced,
    purgedNonces,
    closedThreadIds: expiry.closedThreadIds,
  };
}

/**
 * Deletes the sign-in nonces that expired before `before`, one batch per statement (each on the
 * `expires_at` index, so the cost is the rows deleted, not the table), until a batch comes short.
 */
async function purgeExpiredNonces(db: Db, before: Date, batchSize = 1000): Promise<number> {
  let purged = 0;
  for (;;) {
    const n = await db.authNonces.purgeExpired(before, batchSize);
    purged += n;
    if (n < batchSize) return purged;
  }
}

export interface ThreadCleanupOptions extends CleanupOptions {
  settings?: Pick<LifecycleSettings, 'threadIdleMs'>;
}

export interface ThreadCleanupResult {
  job: 'thread-cleanup';
  /** Threads with no message since this instant were closed as idle. */
  cutoff: string;
  /** Open threads whose session had already ended. */
  closedSessionEnded: number;
  closedIdle: number;
  closedThreads: number;
  notifications: number;
  notifyFailed: boolean;
  /** Whether the gateways were asked to sweep their buses (needs a notifier). */
  sweepRequested: boolean;
  closedThreadIds: string[];
}

/**
 * thread-cleanup: closes open threads whose session has ended and threads idle for
 * `threadIdleMs` or longer (30 min by default), then announces them. Bus threads with no database
 * row at all are each gateway's to sweep: the run ends by asking every gateway to do so
 * (`requestBusSweep`, when the notifier has it). Idempotent.
 */
export function runThreadCleanup(
  db: Db,
  options: ThreadCleanupOptions,
): Promise<ThreadCleanupResult> {
  return recorded(db, 'thread-cleanup', options, () => threadCleanup(db, options));
}

async function threadCleanup(db: Db, options: ThreadCleanupOptions): Promise<ThreadCleanupResult> {
  const settings = options.settings ?? DEFAULT_LIFECYCLE_SETTINGS;
  const cutoff = new Date(threadIdleCutoff(options.now, settings));
  const batch = options.batchSize !== undefined ? { batchSize: options.batchSize } : {};
  const ended = await db.threads.closeThreadsOfEndedSessions(batch);
  const idle = await db.threads.closeIdle({ cutoff, reason: 'idle', ...batch });
  const endedIds = ended.map((t) => t.threadId);
  const idleIds = idle.map((t) => t.threadId);
  const first = await announce(options, 'session_ended', endedIds);
  const second = await announce(options, 'idle', idleIds);
  let sweepRequested = false;
  if (options.notifier?.requestBusSweep) {
    try {
      await options.notifier.requestBusSweep(options.now);
      sweepRequested = true;
    } catch (err) {
      // Each gateway's periodic reconciliation still closes what the database has closed.
      options.logger?.warn({ err }, 'bus sweep request failed');
    }
  }
  return {
    job: 'thread-cleanup',
    cutoff: cutoff.toISOString(),
    closedSessionEnded: endedIds.length,
    closedIdle: idleIds.length,
    closedThreads: endedIds.length + idleIds.length,
    notifications: first.notifications + second.notifications,
    notifyFailed: first.notifyFailed || second.notifyFailed,
    sweepRequested,
    closedThreadIds: [...endedIds, ...idleIds],
  };
}

async function announce(
  options: CleanupOptions,
  reason: string,
  threadIds: string[],
): Promise<{ notifications: number; notifyFailed: boolean }> {
  if (!options.notifier || threadIds.length === 0) return { notifications: 0, notifyFailed: false };
  try {
    const notifications = await options.notifier.publishClosedThreads(reason, threadIds);
    return { notifications, notifyFailed: false };
  } catch (err) {
    // The rows are already closed; gateways catch up through their periodic reconciliation.
    options.logger?.warn({ err, reason, threads: threadIds.length }, 'lifecycle NOTIFY failed');
    return { notifications: 0, notifyFailed: true };
  }
}

/** The part of a gateway's `GET /health` body that pool-health reads (extra fields ignored). */
export const GatewayHealthBodySchema = z.object({
  taskId: z.string().optional(),
  pools: z.array(
    z.object({
      pool: z.string().min(1),
      ready: z.boolean().optional(),
      // Named only to a caller with the gateways' ops token; without them `ready` decides.
      agentsConnected: z.array(z.string()).optional(),
      missingAgents: z.array(z.string()).optional(),
      activeThreads: z.number().int().nonnegative(),
      capacity: z.number().int().nonnegative(),
      activeSessions: z.number().int().nonnegative().optional(),
    }),
  ),
});
export type GatewayHealthBody = z.infer<typeof GatewayHealthBodySchema>;

export interface PoolHealthOptions {
  now: number;
  /**
   * Fetches `GET /health` of one gateway task and resolves to its JSON body whatever the status
   * (a 503 body still describes the pools); rejects when the task cannot be reached in time.
   */
  fetchHealth: (task: GatewayTask) => Promise<unknown>;
  settings?: Pick<LifecycleSettings, 'poolLoadThreshold'>;
  /** A task is live when its last heartbeat is within this window. Default 90,000 ms. */
  liveWindowMs?: number;
  logger?: JobLogger;
}

export interface TaskPoolHealth {
  taskId: string;
  pool: string;
  status: PoolHealthStatus;
  missingAgents: string[];
  load: number;
  activeThreads: number;
  activeSessions: number;
  agentsConnected: number;
}

export interface PoolHealthResult {
  job: 'pool-health';
  takenAt: string;
  liveTasks: number;
  unreachableTasks: Array<{ taskId: string; error: string }>;
  snapshots: number;
  /** One entry per (task, pool) that answered. */
  taskPools: TaskPoolHealth[];
  /** Fleet status per pool: the worst status any live task reports for it. */
  pools: Record<string, PoolHealthStatus>;
  summary: PoolHealthSummary;
  /** Active sessions and open threads per pool and per (task, pool), from the database. */
  counts: ActiveCounts;
}

const RANK: Record<PoolHealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/**
 * pool-health: asks every live gateway task (task registry) for its `/health`, classifies each
 * (task, pool), stores one `PoolHealthSnapshot` per (task, pool), warns per unhealthy pool and
 * logs an error when no pool is healthy fleet-wide. A pool's fleet status is the worst any task
 * reports, so one task with a broken pool is seen in the metric, not averaged away.
 */
export function runPoolHealth(db: Db, options: PoolHealthOptions): Promise<PoolHealthResult> {
  return recorded(db, 'pool-health', options, () => poolHealth(db, options));
}

async function poolHealth(db: Db, options: PoolHealthOptions): Promise<PoolHealthResult> {
  const { now, logger } = options;
  const threshold = (options.settings ?? DEFAULT_LIFECYCLE_SETTINGS).poolLoadThreshold;
  const takenAt = new Date(now);
  const [tasks, counts] = await Promise.all([
    db.gatewayTasks.listLive(new Date(now - (options.liveWindowMs ?? 90_000))),
    db.threads.countActive(),
  ]);
  const sessionsOf = new Map(counts.tasks.map((c) => [`${c.taskId}\u0000${c.pool}`, c]));
  const answers = await Promise.allSettled(tasks.map((task) => options.fetchHealth(task)));

  const unreachableTasks: PoolHealthResult['unreachableTasks'] = [];
  const taskPools: TaskPoolHealth[] = [];
  answers.forEach((answer, i) => {
    const task = tasks[i] as GatewayTask;
    if (answer.status === 'rejected') {
      const error = answer.reason instanceof Error ? answer.reason.message : String(answer.reason);
      unreachableTasks.push({ taskId: task.taskId, error });
      return;
    }
    const body = GatewayHealthBodySchema.safeParse(answer.value);
    if (!body.success) {
      unreachableTasks.push({ taskId: task.taskId, error: 'unexpected /health body' });
      return;
    }
    for (const p of body.data.pools) {
      // Without the agent lists (no ops token) `ready` stands for "every agent connected" and
      // not ready for "some missing": degraded, as unhealthy cannot be told apart then.
      const detail = p.agentsConnected !== undefined && p.missingAgents !== undefined;
      const connected = detail ? (p.agentsConnected ?? []) : ['(agents not named)'];
      const missing = detail ? (p.missingAgents ?? []) : p.ready === false ? ['(not ready)'] : [];
      const health = classifyPoolHealth({
        requiredAgents: [...connected, ...missing],
        connectedAgents: connected,
        activeThreads: p.activeThreads,
        capacity: p.capacity,
        threshold,
      });
      const fromDb = sessionsOf.get(`${task.taskId}\u0000${p.pool}`);
      taskPools.push({
        taskId: task.taskId,
        pool: p.pool,
        status: health.status,
        missingAgents: health.missingAgents,
        load: health.load,
        activeThreads: p.activeThreads,
        activeSessions: fromDb?.activeSessions ?? p.activeSessions ?? 0,
        agentsConnected: detail ? connected.length : 0,
      });
    }
  });

  const snapshots: PoolHealthSnapshot[] = taskPools.map((tp) => ({
    taskId: tp.taskId,
    pool: tp.pool,
    status: tp.status,
    activeThreads: tp.activeThreads,
    activeSessions: tp.activeSessions,
    agentsConnected: tp.agentsConnected,
    takenAt,
  }));
  const recorded = await db.poolHealth.record(snapshots);

  const pools: Record<string, PoolHealthStatus> = {};
  for (const tp of taskPools) {
    const known = pools[tp.pool];
    if (known === undefined || RANK[tp.status] > RANK[known]) pools[tp.pool] = tp.status;
  }
  const summary = summarizePoolHealth(
    Object.fromEntries(Object.entries(pools).map(([pool, status]) => [pool, { status }])),
  );

  for (const u of unreachableTasks) {
    logger?.warn({ taskId: u.taskId, error: u.error }, 'pool-health: gateway task did not answer');
  }
  for (const tp of taskPools) {
    if (tp.status !== 'unhealthy') continue;
    logger?.warn(
      { pool: tp.pool, taskId: tp.taskId, missingAgents: tp.missingAgents, load: tp.load },
      `pool-health: pool ${tp.pool} is unhealthy on task ${tp.taskId}`,
    );
  }
  if (summary.noneHealthy) {
    logger?.error(
      { counts: summary.counts, liveTasks: tasks.length, unreachable: unreachableTasks.length },
      'pool-health: no pool is healthy',
    );
  }

  return {
    job: 'pool-health',
    takenAt: takenAt.toISOString(),
    liveTasks: tasks.length,
    unreachableTasks,
    snapshots: recorded,
    taskPools,
    pools,
    summary,
    counts,
  };
}
