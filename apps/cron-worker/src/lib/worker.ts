import { Cron } from 'croner';
import { cronOptions } from '@pardon/lifecycle';
import { WORKER_JOB_NAMES as JOB_NAMES, type WorkerJobName as JobName } from './config';
import type { JobContext } from './jobs';
import { runJob } from './jobs';
import { JobLeadership } from './leadership';

export interface RunningWorker {
  /**
   * Stops scheduling, waits up to the grace period for running jobs (a job still running after
   * it is abandoned: every batch is one atomic statement, so nothing half-done is left), releases
   * the locks. Resolves to true when every running job finished.
   */
  stop(): Promise<boolean>;
}

/** Fields of a job result worth a log line (ids and per-task detail stay in `--once` output). */
function summary(result: Record<string, unknown>): Record<string, unknown> {
  const { closedThreadIds: _ids, taskPools: _tp, counts: _c, prizes: _p, ...rest } = result;
  return rest;
}

/**
 * The tick a run belongs to: the latest scheduled instant at or before `now`. croner fires a few
 * ms after it, and the same instant names the tick on every worker whatever their timer jitter.
 */
export function scheduledInstant(pattern: Cron, intervalMs: number, now: number): Date {
  let tick = new Date(now);
  let next = pattern.nextRun(new Date(now - intervalMs - 1));
  while (next && next.getTime() <= now) {
    tick = next;
    next = pattern.nextRun(next);
  }
  return tick;
}

/**
 * Schedules every job with croner. On each tick the worker runs the job only if it leads it
 * (advisory lock, see {@link JobLeadership}), so across the fleet each tick runs once.
 */
export function startWorker(ctx: JobContext, clock: () => number = Date.now): RunningWorker {
  const { config, log } = ctx;
  const leadership = new JobLeadership(config.databaseUrl, log);
  const running = new Set<Promise<void>>();
  let stopping = false;

  const tick = async (job: JobName, scheduledAt: Date | null): Promise<void> => {
    if (stopping) return;
    const tickAt = (scheduledAt ?? new Date(clock())).toISOString();
    let leads: boolean;
    try {
      leads = await leadership.tryLead(job);
    } catch (err) {
      log.warn(
        { err, job, tick: tickAt },
        'could not reach the lock connection; skipping this tick',
      );
      return;
    }
    if (!leads || stopping) {
      log.debug({ job, tick: tickAt }, 'another worker leads this job');
      return;
    }
    const started = clock();
    log.info({ job, tick: tickAt }, 'job started');
    try {
      const result = await runJob(job, ctx, started);
      log.info(
        { job, tick: tickAt, durationMs: clock() - started, result: summary(result) },
        'job finished',
      );
    } catch (err) {
      log.error({ err, job, tick: tickAt, durationMs: clock() - started }, 'job failed');
    }
  };

  const crons = JOB_NAMES.map((job) => {
    const schedule = config.schedules[job];
    const pattern = new Cron(schedule.cron, cronOptions()); // no callback: never fires
    // protect: a run that outlasts its period skips the overlapping tick instead of stacking.
    return new Cron(schedule.cron, { ...cronOptions(), protect: true, name: job }, () => {
      const run = tick(job, scheduledInstant(pattern, schedule.intervalMs, clock()));
      running.add(run);
      return run.finally(() => running.delete(run));
    });
  });
  log.info(
    {
      workerId: config.workerId,
      schedules: Object.fromEntries(JOB_NAMES.map((j) => [j, config.schedules[j].cron])),
      metrics: ctx.metrics.kind,
    },
    'cron-worker started',
  );

  return {
    stop: async () => {
      stopping = true;
      for (const cron of crons) cron.stop();
      let finished = true;
      if (running.size > 0) {
        log.info({ running: running.size }, 'waiting for the running job to finish');
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), config.shutdownGraceMs);
        });
        const outcome = await Promise.race([Promise.allSettled([...running]), grace]);
        clearTimeout(timer);
        if (outcome === 'timeout') {
          finished = false;
          log.warn(
            { running: running.size, graceMs: config.shutdownGraceMs },
            'abandoning the running job: its committed batches stay, the next tick continues',
          );
        }
      }
      await leadership.releaseAll();
      return finished;
    },
  };
}
