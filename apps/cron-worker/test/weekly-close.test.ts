// Locks in weekly-close as the cron-worker runs it, with real worker processes: `--once` closes
// the week that ended last at `--now` and a second run returns created=false; the GAME_* variables
// (the gateway's) choose the week and the pool; each run is recorded in cron_runs; and two workers
// on an every-second schedule close the week exactly once, one run per tick.
import { createDb } from '@pardon/db';
import { previousWeek, weekOf } from '@pardon/game';
import { useTestDb } from '@pardon/test-env';
import { eventually, type ManagedProcess } from '@pardon/topology';
import { seedPardon } from './support/seed';
import {
  logLines,
  runOnce,
  startWorkerProcess,
  stderrText,
  stopAllWorkers,
} from './support/worker';

const getDb = useTestDb((url) => createDb({ writeUrl: url, writePoolSize: 3 }));
const HOUR_MS = 3_600_000;

afterEach(stopAllWorkers);

const env = (extra: Record<string, string> = {}) => ({
  DATABASE_URL: getDb().database.url,
  METRICS_SINK: 'off',
  ...extra,
});

async function lastRun(job: string) {
  return eventually(
    `a cron_runs row for ${job}`,
    async () => (await getDb().db.cronRuns.list()).find((r) => r.job === job),
    10_000,
  );
}

describe('weekly-close', () => {
  it('--once closes the week that ended last, and a second run finds the close', async () => {
    const { db, sql } = getDb();
    const weekId = '2026-10-26T14:00Z';
    const start = Date.parse('2026-10-26T14:00:00Z');
    const first = await seedPardon(db, sql, {
      weekId,
      finalScore: 97.5,
      at: new Date(start + HOUR_MS),
    });
    const second = await seedPardon(db, sql, {
      weekId,
      finalScore: 93,
      at: new Date(start + 2 * HOUR_MS),
    });
    // Monday 14:05, five minutes into the next week.
    const now = '2026-11-02T14:05:00.000Z';

    const run1 = await runOnce('weekly-close', env(), ['--now', now]);
    expect({ code: run1.code, stderr: run1.code === 0 ? '' : stderrText(run1.proc) }).toEqual({
      code: 0,
      stderr: '',
    });
    expect(run1.result).toMatchObject({
      job: 'weekly-close',
      weekId,
      created: true,
      winners: 2,
      paidBaseUnits: '10000000000',
    });
    const prizes = run1.result?.['prizes'] as Array<{ wallet: string; place: number }>;
    expect(prizes.map((p) => [p.place, p.wallet])).toEqual([
      [1, first],
      [2, second],
    ]);
    const recorded = await lastRun('weekly-close');
    expect(recorded).toMatchObject({ ok: true, startedAt: new Date(now) });
    expect(recorded.summary).toMatchObject({ weekId, created: true, winners: 2 });

    const run2 = await runOnce('weekly-close', env(), ['--now', '2026-11-02T14:15:00Z']);
    expect(run2.code).toBe(0);
    expect(run2.result).toMatchObject({ weekId, created: false, winners: 2, prizes });
  });

  it('closes weeks by the GAME_* rules the gateway reads', async () => {
    const { db, sql } = getDb();
    // Weeks from Sunday 00:00 UTC, a pool of 3 tokens at 2 decimals.
    const weekId = '2027-01-03T00:00Z';
    const wallet = await seedPardon(db, sql, {
      weekId,
      finalScore: 91,
      at: new Date('2027-01-04T00:00:00Z'),
    });
    const { code, result, proc } = await runOnce(
      'weekly-close',
      env({ GAME_WEEK_START: 'sun 00:00', GAME_PRIZE_POOL_TOKENS: '3', GAME_TOKEN_DECIMALS: '2' }),
      ['--now', '2027-01-10T00:00:00Z'],
    );
    expect({ code, stderr: code === 0 ? '' : stderrText(proc) }).toEqual({ code: 0, stderr: '' });
    expect(result).toMatchObject({
      weekId,
      created: true,
      winners: 1,
      paidBaseUnits: '300',
      prizes: [{ place: 1, wallet, amountBaseUnits: '300' }],
    });
  });

  it('two workers on an every-second schedule close the week once, one run per tick', async () => {
    const { db, sql } = getDb();
    const ended = previousWeek(weekOf(Date.now()));
    for (let i = 0; i < 3; i += 1) {
      await seedPardon(db, sql, {
        weekId: ended.id,
        finalScore: 92 + i,
        at: new Date(ended.startMs + (i + 1) * HOUR_MS),
      });
    }
    const worker = (name: string): ManagedProcess =>
      startWorkerProcess(name, {
        ...env({ WEEKLY_CLOSE_SCHEDULE: '* * * * * *', LOG_LEVEL: 'debug', WORKER_ID: name }),
        // The lifecycle jobs stay out of the way: once a year.
        SESSION_CLEANUP_SCHEDULE: '0 0 1 1 *',
        THREAD_CLEANUP_SCHEDULE: '0 0 1 1 *',
        POOL_HEALTH_SCHEDULE: '0 0 1 1 *',
      });
    const a = worker('worker-a');
    const b = worker('worker-b');
    const finished = (w: ManagedProcess) =>
      logLines(w).filter((l) => l.msg === 'job finished' && l.job === 'weekly-close');
    await eventually(
      'three weekly-close ticks with both workers up',
      () => {
        const up = [a, b].every((w) => logLines(w).some((l) => l.msg === 'cron-worker started'));
        const ticks = new Set([...finished(a), ...finished(b)].map((l) => l.tick));
        return up && ticks.size >= 3 ? true : undefined;
      },
      45_000,
      {
        diagnostics: () =>
          [a, b]
            .map((w) => `--- ${w.name}\n${stderrText(w).split('\n').slice(-10).join('\n')}`)
            .join('\n'),
      },
    );
    await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);

    const runs = [...finished(a), ...finished(b)];
    const ticks = runs.map((l) => l.tick);
    expect(ticks.filter((t, i) => ticks.indexOf(t) !== i)).toEqual([]);
    const results = runs.map((l) => l['result'] as Record<string, unknown>);
    expect(results.filter((r) => r['created'] === true)).toHaveLength(1);
    for (const r of results) {
      expect(r).toMatchObject({ weekId: ended.id, winners: 3, paidBaseUnits: '10000000000' });
      // The log line leaves the prize rows out.
      expect(r).not.toHaveProperty('prizes');
    }
    const { rows } = await sql.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM prize_entitlements WHERE week_id = $1',
      [ended.id],
    );
    expect(rows[0]?.n).toBe('3');
  });
});
