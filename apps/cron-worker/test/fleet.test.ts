// Locks in "one run per tick across the fleet" with real worker processes on one database:
// the advisory lock lets exactly one worker run each tick, a SIGKILLed leader's lock is freed
// with its connection so the next tick runs elsewhere, and SIGTERM finishes the running job and
// hands the lead over.
import { createDb } from '@pardon/db';
import { useTestDb } from '@pardon/test-env';
import { eventually, type ManagedProcess } from '@pardon/topology';
import { startHealthServer } from './support/seed';
import {
  logLines,
  startWorkerProcess,
  stderrText,
  stopAllWorkers,
  type LogLine,
} from './support/worker';

const EVERY_SECOND = '* * * * * *';
const getDb = useTestDb((url) => createDb({ writeUrl: url, writePoolSize: 3 }));
let health: Awaited<ReturnType<typeof startHealthServer>>;

beforeAll(async () => {
  health = await startHealthServer([
    { pool: 'pool-0', agentsConnected: ['cz'], missingAgents: [], activeThreads: 0, capacity: 30 },
  ]);
});
afterEach(async () => {
  health.setHold(false);
  await stopAllWorkers();
});
afterAll(async () => {
  await health.close();
});

async function registerGateway(): Promise<void> {
  await getDb().db.gatewayTasks.heartbeat({ taskId: 'task-a', baseUrl: health.baseUrl });
}

function worker(name: string, env: Record<string, string>): ManagedProcess {
  return startWorkerProcess(name, {
    DATABASE_URL: getDb().database.url,
    METRICS_SINK: 'off',
    LOG_LEVEL: 'debug',
    WORKER_ID: name,
    HEALTH_TIMEOUT_MS: '30000',
    ...env,
  });
}

const finished = (w: ManagedProcess, job: string) =>
  logLines(w).filter((l) => l.msg === 'job finished' && l.job === job);
const started = (w: ManagedProcess, job: string) =>
  logLines(w).filter((l) => l.msg === 'job started' && l.job === job);
const diagnostics =
  (...ws: ManagedProcess[]) =>
  () =>
    ws.map((w) => `--- ${w.name}\n${stderrText(w).split('\n').slice(-15).join('\n')}`).join('\n');

describe('two workers on one database', () => {
  it('run each job exactly once per tick', async () => {
    await registerGateway();
    const schedules = {
      SESSION_CLEANUP_SCHEDULE: EVERY_SECOND,
      THREAD_CLEANUP_SCHEDULE: EVERY_SECOND,
      POOL_HEALTH_SCHEDULE: EVERY_SECOND,
    };
    const a = worker('worker-a', schedules);
    const b = worker('worker-b', schedules);
    const jobs = ['session-cleanup', 'thread-cleanup', 'pool-health'];
    // Both racing: wait until each worker has seen ticks, and each job ran on 3 ticks at least.
    await eventually(
      'three ticks of every job with both workers up',
      () => {
        const up = [a, b].every((w) => logLines(w).some((l) => l.msg === 'cron-worker started'));
        const enough = jobs.every(
          (job) => new Set([...finished(a, job), ...finished(b, job)].map((l) => l.tick)).size >= 3,
        );
        return up && enough ? true : undefined;
      },
      45_000,
      { diagnostics: diagnostics(a, b) },
    );
    await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);

    for (const job of jobs) {
      const runs: LogLine[] = [...started(a, job), ...started(b, job)];
      const ticks = runs.map((l) => l.tick);
      expect({ job, duplicates: ticks.filter((t, i) => ticks.indexOf(t) !== i) }).toEqual({
        job,
        duplicates: [],
      });
      // Ticks are the scheduled instants, whole seconds, shared by both workers' clocks.
      for (const tick of ticks) expect(String(tick)).toMatch(/:\d\d\.000Z$/);
    }
    // The worker that did not lead a job did see its ticks and stood aside.
    const stoodAside = [a, b]
      .flatMap((w) => logLines(w))
      .filter((l) => l.msg === 'another worker leads this job');
    expect(stoodAside.length).toBeGreaterThan(0);
  });

  it('move the next tick to the other worker when the leader is SIGKILLed mid-run', async () => {
    await registerGateway();
    health.setHold(true);
    const schedules = { POOL_HEALTH_SCHEDULE: EVERY_SECOND };
    const a = worker('worker-a', schedules);
    await eventually(
      'worker-a mid-run on pool-health',
      () => (started(a, 'pool-health').length > 0 && health.heldCount() > 0 ? true : undefined),
      30_000,
      { diagnostics: diagnostics(a) },
    );
    const b = worker('worker-b', schedules);
    await eventually(
      'worker-b standing aside while worker-a leads',
      () =>
        logLines(b).some(
          (l) => l.msg === 'another worker leads this job' && l.job === 'pool-health',
        )
          ? true
          : undefined,
      30_000,
      { diagnostics: diagnostics(a, b) },
    );
    expect(started(b, 'pool-health')).toHaveLength(0);

    const killedAt = Date.now();
    expect((await a.kill('SIGKILL')).signal).toBe('SIGKILL');
    health.setHold(false);

    const run = await eventually(
      'worker-b to run pool-health',
      () => finished(b, 'pool-health')[0],
      15_000,
      { diagnostics: diagnostics(b) },
    );
    expect(Date.parse(String(run.tick))).toBeGreaterThanOrEqual(killedAt - 1000);
    expect(run['result']).toMatchObject({ job: 'pool-health', liveTasks: 1, snapshots: 1 });
    // The lead moved on the first ticks after the kill, not after some timeout.
    expect(Date.parse(String(run.tick)) - killedAt).toBeLessThan(5000);
  });

  it('on SIGTERM finish the running job, release the lock and exit 0, and the other worker takes over', async () => {
    await registerGateway();
    health.setHold(true);
    const schedules = { POOL_HEALTH_SCHEDULE: EVERY_SECOND };
    const a = worker('worker-a', schedules);
    await eventually(
      'worker-a mid-run',
      () => (started(a, 'pool-health').length > 0 && health.heldCount() > 0 ? true : undefined),
      30_000,
      { diagnostics: diagnostics(a) },
    );
    const b = worker('worker-b', schedules);
    await eventually(
      'worker-b up and standing aside',
      () => (logLines(b).some((l) => l.msg === 'another worker leads this job') ? true : undefined),
      30_000,
      { diagnostics: diagnostics(a, b) },
    );

    process.kill(a.pid, 'SIGTERM');
    await eventually(
      'worker-a to wait for its job',
      () =>
        logLines(a).some((l) => l.msg === 'waiting for the running job to finish')
          ? true
          : undefined,
      10_000,
      { diagnostics: diagnostics(a) },
    );
    health.setHold(false);
    health.releaseHeld();
    const exit = await a.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(finished(a, 'pool-health').length).toBeGreaterThan(0);
    expect(logLines(a).find((l) => l.msg === 'cron-worker stopped')).toMatchObject({
      finished: true,
    });

    await eventually('worker-b to take over', () => finished(b, 'pool-health')[0], 15_000, {
      diagnostics: diagnostics(b),
    });
    expect(
      logLines(b).some((l) => l.msg === 'took the lead for this job' && l.job === 'pool-health'),
    ).toBe(true);
  });

  it('on SIGTERM abandon a job that outlasts the grace period, unlock and exit 0', async () => {
    await registerGateway();
    health.setHold(true);
    const a = worker('worker-a', { POOL_HEALTH_SCHEDULE: EVERY_SECOND, SHUTDOWN_GRACE_MS: '300' });
    await eventually(
      'worker-a mid-run',
      () => (started(a, 'pool-health').length > 0 && health.heldCount() > 0 ? true : undefined),
      30_000,
      { diagnostics: diagnostics(a) },
    );
    const exit = await a.kill('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(logLines(a).some((l) => l.msg.startsWith('abandoning the running job'))).toBe(true);
    expect(logLines(a).find((l) => l.msg === 'cron-worker stopped')).toMatchObject({
      finished: false,
    });
    const { rows } = await getDb().sql.query(
      "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 28772",
    );
    expect(rows).toEqual([]);
  });
});
