// Locks in the weekly-close job on real PostgreSQL: it closes the week that ended last at `now`
// (never the running one; the week start instant already belongs to the new week), pays the pool,
// is idempotent (a second run, by hand or from another worker, returns created=false) and safe to
// race from two connection pools; every run is recorded in cron_runs. Also the game's interval
// totals the cron-worker publishes as PointsAwarded / PardonsGranted.
import { DEFAULT_GAME_RULES, parseWeekId, tokensToBaseUnits, type GameRules } from '@pardon/game';
import { createDb, flushJobRecords, runWeeklyClose, type Db } from '../../src/index';
import { randomWallet } from '../../src/testing';
import { count, MINUTE_MS, useTestDb } from '../support';

const fx = useTestDb();
const rules: GameRules = DEFAULT_GAME_RULES;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function pardoned(weekId: string, finalScore: number, at: Date): Promise<string> {
  const wallet = randomWallet();
  await fx().db.users.upsert(wallet);
  await fx().sql.query(
    `INSERT INTO player_weeks (wallet, week_id, score, pardon_granted_at, final_score)
     VALUES ($1, $2, 90, $3, $4)`,
    [wallet, weekId, at, finalScore],
  );
  return wallet;
}

async function lastRun(job: string) {
  // Recording is best effort and not awaited by the runner: wait for the row.
  const deadline = Date.now() + 5_000;
  for (;;) {
    const runs = await fx().db.cronRuns.list();
    const run = runs.find((r) => r.job === job);
    if (run || Date.now() > deadline) return run;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('runWeeklyClose', () => {
  test('closes the week that ended last, pays the pool, and a second run changes nothing', async () => {
    const ended = parseWeekId('2026-11-23T14:00Z', rules);
    const a = await pardoned(ended.id, 96, new Date(ended.startMs + 3_600_000));
    const b = await pardoned(ended.id, 98.25, new Date(ended.startMs + 7_200_000));
    // A pardon of the running week is not part of this close.
    await pardoned('2026-11-30T14:00Z', 99, new Date(ended.endMs + 60_000));
    const now = ended.endMs + 10 * MINUTE_MS;

    const first = await runWeeklyClose({ db: fx().db, rules, now, logger: quiet });
    expect(first).toMatchObject({
      job: 'weekly-close',
      weekId: ended.id,
      created: true,
      winners: 2,
      paidBaseUnits: rules.prizePoolBaseUnits.toString(),
    });
    expect(first.prizes.map((p) => [p.place, p.wallet])).toEqual([
      [1, b],
      [2, a],
    ]);
    expect(await count(fx().sql, 'week_closes')).toBe(1);

    const again = await runWeeklyClose({ db: fx().db, rules, now: now + 5 * MINUTE_MS });
    expect(again).toEqual({ ...first, created: false });
    expect(await count(fx().sql, 'prize_entitlements', 'week_id = $1', [ended.id])).toBe(2);

    const run = await lastRun('weekly-close');
    expect(run).toMatchObject({ ok: true, error: null });
    expect(run?.summary).toMatchObject({ job: 'weekly-close', weekId: ended.id, winners: 2 });
    // Id lists and prize rows stay out of the recorded summary.
    expect(run?.summary).not.toHaveProperty('prizes');
  });

  test('takes the week start instant as the new week: one ms before it closes the week before', async () => {
    const running = parseWeekId('2027-01-04T14:00Z', rules);
    const before = await runWeeklyClose({ db: fx().db, rules, now: running.startMs - 1 });
    expect(before.weekId).toBe('2026-12-21T14:00Z');
    const at = await runWeeklyClose({ db: fx().db, rules, now: running.startMs });
    expect(at.weekId).toBe('2026-12-28T14:00Z');
    expect(at).toMatchObject({ created: true, winners: 0, paidBaseUnits: '0', prizes: [] });
  });

  test('two workers racing close the week once', async () => {
    const ended = parseWeekId('2027-02-01T14:00Z', rules);
    for (let i = 0; i < 12; i += 1) {
      await pardoned(ended.id, 90 + i / 2, new Date(ended.startMs + i * 60_000));
    }
    const other: Db = createDb({ writeUrl: fx().database.url, writePoolSize: 4 });
    try {
      const now = ended.endMs + MINUTE_MS;
      const results = await Promise.all(
        [fx().db, other, fx().db, other].map((db) => runWeeklyClose({ db, rules, now })),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const created = results.find((r) => r.created);
      // The later runs return the stored close. (`winners` is left out: db.game.closeWeek counts
      // the board on the first close but the paid places on a replay — reported, not ours.)
      const same = (r: typeof created) => ({ ...r, created: undefined, winners: undefined });
      for (const r of results) expect(same(r)).toEqual(same(created));
      expect(created).toMatchObject({
        weekId: ended.id,
        winners: 12,
        paidBaseUnits: rules.prizePoolBaseUnits.toString(),
      });
      // 3 leading places + 7 sharing places are paid; places 11–12 are on the board unpaid.
      expect(created?.prizes).toHaveLength(10);
      expect(await count(fx().sql, 'week_closes', 'week_id = $1', [ended.id])).toBe(1);
      expect(await count(fx().sql, 'prize_entitlements', 'week_id = $1', [ended.id])).toBe(10);
    } finally {
      await other.close();
    }
  });

  test('follows the configured rules: week start and prize pool', async () => {
    const custom: GameRules = {
      ...rules,
      weekStart: { weekdayUtc: 0, hourUtc: 0, minuteUtc: 0 },
      prizePoolBaseUnits: tokensToBaseUnits(3n, 2),
      tokenDecimals: 2,
    };
    const ended = parseWeekId('2027-03-07T00:00Z', custom);
    const w = await pardoned(ended.id, 95, new Date(ended.startMs + 1_000));
    const r = await runWeeklyClose({ db: fx().db, rules: custom, now: ended.endMs + 1 });
    expect(r).toMatchObject({ weekId: ended.id, created: true, winners: 1, paidBaseUnits: '300' });
    expect(r.prizes).toEqual([{ place: 1, wallet: w, finalScore: 95, amountBaseUnits: '300' }]);
  });

  test('a failed close is recorded as a failed run and rethrown', async () => {
    // Earlier tests' recordings are not awaited by the runner: let them land first.
    await flushJobRecords();
    let saved: Promise<void> | undefined;
    const broken = {
      game: { closeWeek: () => Promise.reject(new Error('database on fire')) },
      cronRuns: {
        record: (run: Parameters<Db['cronRuns']['record']>[0]) =>
          (saved = fx().db.cronRuns.record(run)),
      },
    };
    const now = Date.UTC(2027, 4, 5, 6, 7, 8);
    await expect(runWeeklyClose({ db: broken, rules, now })).rejects.toThrow('database on fire');
    await saved;
    const run = await lastRun('weekly-close');
    expect(run).toMatchObject({
      startedAt: new Date(now),
      ok: false,
      summary: null,
      error: 'database on fire',
    });
  });
});

describe('cronRuns.record', () => {
  test('a late recording of an older run does not overwrite the newer run', async () => {
    const job = `record-order-${Date.now()}`;
    const finished = Date.now();
    const newer = { job, startedAt: new Date(finished - 1_000), finishedAt: new Date(finished) };
    const older = {
      job,
      startedAt: new Date(finished - 9_000),
      finishedAt: new Date(finished - 8_000),
    };
    await fx().db.cronRuns.record({ ...newer, ok: true, summary: { n: 2 }, error: null });
    await fx().db.cronRuns.record({ ...older, ok: false, summary: null, error: 'old failure' });
    const run = (await fx().db.cronRuns.list()).find((r) => r.job === job);
    expect(run).toMatchObject({ ...newer, ok: true, summary: { n: 2 }, error: null });
  });
});

describe('game.intervalTotals', () => {
  async function playerThread() {
    const wallet = randomWallet();
    const { session } = await fx().db.sessions.openOrReuse({
      wallet,
      pool: 'pool-0',
      taskId: 'task-1',
    });
    const thread = await fx().db.threads.create({ sessionId: session.id, agentId: 'cz' });
    return { wallet, threadId: thread.id };
  }

  test('sums positive points and counts pardons of the evaluations created in [from, to)', async () => {
    const to = new Date(Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS);
    const from = new Date(to.getTime() - 5 * MINUTE_MS);
    const p = await playerThread();
    const scores: Array<{ score: number; at: Date }> = [
      { score: 3, at: new Date(from.getTime()) }, // counts: the window's first instant
      { score: 2, at: new Date(to.getTime() - 1) },
      { score: -3, at: new Date(from.getTime() + MINUTE_MS) }, // a penalty: not subtracted
      { score: 3, at: new Date(to.getTime()) }, // the next window's
      { score: 3, at: new Date(from.getTime() - 1) }, // the previous window's
    ];
    const points: number[] = [];
    for (const [i, s] of scores.entries()) {
      const { message } = await fx().db.messages.append({
        threadId: p.threadId,
        senderId: p.wallet,
        content: `m${i}`,
        mentions: ['cz'],
      });
      const r = await fx().db.game.evaluate(
        { messageId: message.id, agentId: 'cz', score: s.score, reason: 'r', at: Date.now() },
        rules,
      );
      points.push(r.pointsAwarded);
      await fx().sql.query('UPDATE evaluations SET created_at = $2 WHERE id = $1::uuid', [
        r.evaluationId,
        s.at,
      ]);
    }
    // One pardon inside the window, arranged on a second player's evaluation.
    const q = await playerThread();
    const { message } = await fx().db.messages.append({
      threadId: q.threadId,
      senderId: q.wallet,
      content: 'deal',
      mentions: ['cz'],
    });
    const pardon = await fx().db.game.evaluate(
      { messageId: message.id, agentId: 'cz', score: 1, reason: 'r', at: Date.now() },
      rules,
    );
    await fx().sql.query(
      `UPDATE evaluations SET created_at = $2, pardon_granted = true, points = 1.5
       WHERE id = $1::uuid`,
      [pardon.evaluationId, new Date(from.getTime() + 2 * MINUTE_MS)],
    );

    const totals = await fx().db.game.intervalTotals({ from, to });
    const expected = (points[0] ?? 0) + (points[1] ?? 0) + 1.5;
    expect(points[2]).toBeLessThan(0);
    expect(totals).toEqual({ pointsAwarded: expected, pardonsGranted: 1, evaluations: 4 });

    const empty = await fx().db.game.intervalTotals({
      from: new Date(0),
      to: new Date(MINUTE_MS),
    });
    expect(empty).toEqual({ pointsAwarded: 0, pardonsGranted: 0, evaluations: 0 });
  });
});
