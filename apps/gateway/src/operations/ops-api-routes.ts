import { runPoolHealth, type Db, type GatewayTask } from '@pardon/db';
import { GameInputError, parseWeekId, weekOf, type GameRules } from '@pardon/game';
import type { FastifyInstance } from 'fastify';
import { ErrorResponses as errors, GatewayError } from '../errors';
import { requireBearer } from '../shared/bearer';
import type { PoolManager } from '../shared/pools';
import { DbStore } from '../shared/store-db';
import type { Store } from '../shared/store';
import type { LifecycleJobs } from './jobs';
import { prizesCsv, type GameOps } from './weekly-close';

const JOBS = [
  'session-cleanup',
  'thread-cleanup',
  'pool-health',
  'weekly-close',
  'payment-reconcile',
] as const;
type Job = (typeof JOBS)[number];

/** A task is live while its heartbeat is this recent (three default heartbeats). */
const LIVE_WINDOW_MS = 90_000;
const HEALTH_TIMEOUT_MS = 2_000;
const HISTORY_WINDOW_MS = 30 * 60_000;
const HISTORY_LIMIT = 3_000;
/** The ops page's game: the top of the running week's board and the last 30 minutes of play. */
const GAME_BOARD_LIMIT = 10;
const GAME_WINDOW_MINUTES = 30;
const MINUTE_MS = 60_000;

export interface OpsApiOptions {
  store: Store;
  pools: PoolManager;
  jobs: LifecycleJobs;
  taskId: string;
  opsToken: string | undefined;
  shuttingDown: () => boolean;
}

/** The running week's game for the overview: pardons, the board's top, evaluations per minute. */
async function gameOverview(game: GameOps, rules: GameRules, now: number) {
  const week = weekOf(now, rules);
  const lastMinute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  const since = lastMinute - (GAME_WINDOW_MINUTES - 1) * MINUTE_MS;
  const [board, activity] = await Promise.all([
    game.board(week.id, GAME_BOARD_LIMIT),
    game.activity(week.id, new Date(since)),
  ]);
  // Every minute of the window, the quiet ones as 0, so a chart needs no gap logic.
  const counts = new Map(activity.evaluationsPerMinute.map((e) => [e.minute.getTime(), e.count]));
  return {
    weekId: week.id,
    weekStart: new Date(week.startMs).toISOString(),
    weekEnd: new Date(week.endMs).toISOString(),
    pardons: activity.pardons,
    board: board.map((e) => ({
      rank: e.rank,
      wallet: e.wallet,
      finalScore: e.finalScore,
      pardonGrantedAt: e.pardonGrantedAt.toISOString(),
    })),
    evaluationsPerMinute: Array.from({ length: GAME_WINDOW_MINUTES }, (_, i) => {
      const minute = since + i * MINUTE_MS;
      return { minute: new Date(minute).toISOString(), count: counts.get(minute) ?? 0 };
    }),
  };
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
  const rules = (): GameRules => jobs.rules;

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
      const [[tasks, history, runs], gameView] = await Promise.all([
        db
          ? Promise.all([
              db.gatewayTasks.listLive(new Date(now - LIVE_WINDOW_MS)),
              db.poolHealth.history({
                since: new Date(now - HISTORY_WINDOW_MS),
                limit: HISTORY_LIMIT,
              }),
              db.cronRuns.list(),
            ])
          : Promise.resolve([[self], [], []] as const),
        gameOverview(jobs.game, rules(), now),
      ]);
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
        // payment-reconcile only where payments are on: elsewhere it has nothing to run.
        cron: JOBS.filter((job) => job !== 'payment-reconcile' || jobs.paymentsEnabled).map(
          (job) => {
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
          },
        ),
        game: gameView,
      };
    },
  );

  app.get<{ Querystring: { week?: string } }>(
    '/api/ops/prizes.csv',
    {
      config,
      preHandler: requireOperator,
      schema: {
        querystring: {
          type: 'object',
          properties: { week: { type: 'string', maxLength: 64 } },
        },
        response: { ...errors },
      },
    },
    async (request, reply) => {
      let weekId: string;
      try {
        weekId = parseWeekId(request.query.week ?? '', rules()).id;
      } catch (err) {
        if (err instanceof GameInputError) {
          throw new GatewayError(
            'GW_ERR_BAD_REQUEST',
            `week must be a week id like ${weekOf(Date.now(), rules()).id}: ${err.message}`,
          );
        }
        throw err;
      }
      const { closedAt, prizes } = await jobs.game.prizes(weekId);
      // An open week has no prizes yet: the header alone, and no closed-at header.
      if (closedAt) reply.header('x-week-closed-at', closedAt.toISOString());
      return reply
        .type('text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="prizes-${weekId.replace(/:/g, '')}.csv"`,
        )
        .send(prizesCsv(prizes, rules()));
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
      if (job === 'weekly-close') return { job, result: await jobs.weeklyClose(now) };
      if (job === 'payment-reconcile') return { job, result: await jobs.paymentReconcile(now) };
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
