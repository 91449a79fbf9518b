// Locks in the game's storage on real PostgreSQL: an evaluation counted once however it arrives
// (retried, redelivered, raced from two tasks), the crossing of 90 granting one pardon under
// concurrent evaluations, the refusals (not a player message, not mentioned, not the thread's
// agent), the week boundary at the exact instant, the board order and an idempotent week close
// whose prizes add up to the pool.
import { DEFAULT_GAME_RULES, weekOf, type GameRules } from '@pardon/game';
import { createDb, EvaluationRefusedError, type Db } from '../src';
import { randomWallet } from '../src/testing';
import { count, useTestDb } from './support';

const fx = useTestDb();
const rules: GameRules = DEFAULT_GAME_RULES;

async function playerThread(agentId = 'cz', db: Db = fx().db) {
  const wallet = randomWallet();
  const { session } = await db.sessions.openOrReuse({ wallet, pool: 'pool-0', taskId: 'task-1' });
  const thread = await db.threads.create({ sessionId: session.id, agentId });
  return { wallet, threadId: thread.id, agentId };
}

async function say(p: { wallet: string; threadId: string; agentId: string }, content = 'hello') {
  const { message } = await fx().db.messages.append({
    threadId: p.threadId,
    senderId: p.wallet,
    content,
    mentions: [p.agentId],
  });
  return message.id;
}

const evaluation = (messageId: string, agentId: string, score: number, at = Date.now()) => ({
  messageId,
  agentId,
  score,
  reason: 'a fine deal',
  at,
});

describe('evaluations', () => {
  test('turn an agent’s judgement into points and move the player’s week with it', async () => {
    const p = await playerThread();
    const m = await say(p);
    const r = await fx().db.game.evaluate(evaluation(m, 'cz', 3), rules);
    expect(r).toMatchObject({
      messageId: m,
      agentId: 'cz',
      wallet: p.wallet,
      weekId: weekOf(Date.now(), rules).id,
      score: 3,
      pointsAwarded: 2,
      newScore: 2,
      pardonGranted: false,
      created: true,
    });
    const week = await fx().db.game.playerWeek(p.wallet, weekOf(Date.now(), rules));
    expect(week).toMatchObject({
      score: 2,
      messagesSent: 1,
      agentsTalkedTo: ['cz'],
      lastPoints: 2,
      lastReason: 'a fine deal',
      rank: null,
    });
  });

  test('are counted once: a retry and a redelivery return the stored result', async () => {
    const p = await playerThread();
    const m = await say(p);
    const first = await fx().db.game.evaluate(evaluation(m, 'cz', 2), rules);
    const again = await fx().db.game.evaluate(evaluation(m, 'cz', -3), rules);
    expect(again).toEqual({ ...first, created: false });
    expect(await count(fx().sql, 'evaluations', 'message_id = $1', [m])).toBe(1);
    const week = await fx().db.game.playerWeek(p.wallet, weekOf(Date.now(), rules));
    expect(week.score).toBe(first.newScore);
  });

  test('raced from two tasks (two pools of connections) are counted once', async () => {
    const other = createDb({ writeUrl: fx().database.url, writePoolSize: 4 });
    try {
      const p = await playerThread();
      const ids = [];
      for (let i = 0; i < 5; i += 1) ids.push(await say(p, `m${i}`));
      const results = await Promise.all(
        ids.flatMap((id) =>
          [fx().db, other].map((db) => db.game.evaluate(evaluation(id, 'cz', 3), rules)),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(5);
      expect(await count(fx().sql, 'evaluations', 'wallet = $1', [p.wallet])).toBe(5);
      const week = await fx().db.game.playerWeek(p.wallet, weekOf(Date.now(), rules));
      expect(week.score).toBe(10);
    } finally {
      await other.close();
    }
  });

  test('grant one pardon when concurrent evaluations cross 90', async () => {
    const p = await playerThread();
    const ids: string[] = [];
    for (let i = 0; i < 6; i += 1) ids.push(await say(p, `m${i}`));
    // The week so far: 88.50 points (arranged; the way there is libs/game's business).
    await fx().sql.query(
      `INSERT INTO player_weeks (wallet, week_id, score) VALUES ($1, $2, 88.5)`,
      [p.wallet, weekOf(Date.now(), rules).id],
    );
    const other = createDb({ writeUrl: fx().database.url, writePoolSize: 4 });
    try {
      const results = await Promise.all(
        ids.map((id, j) => (j % 2 ? other : fx().db).game.evaluate(evaluation(id, 'cz', 3), rules)),
      );
      const granted = results.filter((r) => r.pardonGranted);
      expect(granted).toHaveLength(1);
      expect(granted[0]?.finalScore).toBeGreaterThanOrEqual(90);
      expect(
        await count(fx().sql, 'evaluations', 'wallet = $1 AND pardon_granted', [p.wallet]),
      ).toBe(1);
      const week = await fx().db.game.playerWeek(p.wallet, weekOf(Date.now(), rules));
      expect(week.pardonGrantedAt).not.toBeNull();
      expect(week.finalScore).toBeGreaterThanOrEqual(90);
      expect(week.finalScore).toBeLessThanOrEqual(99.99);
      expect(week.rank).toBe(1);
      // Locked: the evaluations after the pardon are recorded and change nothing.
      expect(await count(fx().sql, 'evaluations', 'wallet = $1', [p.wallet])).toBe(6);
      const after = results.filter((r) => !r.pardonGranted && r.newScore >= 90);
      expect(after.length).toBeGreaterThan(0);
      for (const r of after) expect(r.pointsAwarded).toBe(0);
      expect(new Set(after.map((r) => r.newScore))).toEqual(new Set([granted[0]?.newScore]));
    } finally {
      await other.close();
    }
  });

  test('refuse what the agent may not judge, and store nothing', async () => {
    const p = await playerThread('cz');
    const m = await say(p);
    const { message: reply } = await fx().db.messages.append({
      threadId: p.threadId,
      senderId: 'cz',
      content: 'award me',
      mentions: [p.wallet],
    });
    const { message: unmentioned } = await fx().db.messages.append({
      threadId: p.threadId,
      senderId: p.wallet,
      content: 'no mention',
      mentions: [],
    });
    const refusal = (input: Parameters<Db['game']['evaluate']>[0]) =>
      fx()
        .db.game.evaluate(input, rules)
        .then(
          () => 'accepted',
          (e: unknown) => (e instanceof EvaluationRefusedError ? e.reason : String(e)),
        );
    expect(await refusal(evaluation(reply.id, 'cz', 3))).toBe('not_player_message');
    expect(await refusal(evaluation(m, 'trump-donald', 3))).toBe('not_thread_agent');
    expect(await refusal(evaluation(unmentioned.id, 'cz', 3))).toBe('not_mentioned');
    await expect(fx().db.game.evaluate(evaluation(m, 'cz', 4), rules)).rejects.toThrow(/score/);
    await expect(
      fx().db.game.evaluate({ ...evaluation(m, 'cz', 1), reason: '' }, rules),
    ).rejects.toThrow(/reason/);
    await expect(
      fx().db.game.evaluate(evaluation(`${p.threadId}-999`, 'cz', 1), rules),
    ).rejects.toThrow(/not found/);
    expect(await count(fx().sql, 'evaluations', 'wallet = $1', [p.wallet])).toBe(0);
  });

  test('belong to the week of the message, cut at the exact start instant', async () => {
    const p = await playerThread();
    const start = weekOf(Date.now(), rules).startMs;
    const before = await say(p, 'just before');
    const at = await say(p, 'exactly at');
    // Move the two messages to the boundary: one ms before the week's start, and the start.
    await fx().sql.query(`UPDATE messages SET created_at = $2 WHERE id = $1`, [
      before,
      new Date(start - 1),
    ]);
    await fx().sql.query(`UPDATE messages SET created_at = $2 WHERE id = $1`, [
      at,
      new Date(start),
    ]);
    const r1 = await fx().db.game.evaluate(evaluation(before, 'cz', 3, start + 10), rules);
    const r2 = await fx().db.game.evaluate(evaluation(at, 'cz', 3, start + 10), rules);
    expect(r1.weekId).toBe(weekOf(start - 1, rules).id);
    expect(r2.weekId).toBe(weekOf(start, rules).id);
    expect(r1.weekId).not.toBe(r2.weekId);
  });
});

describe('the week’s board and its close', () => {
  async function pardoned(weekId: string, finalScore: number, at: Date) {
    const wallet = randomWallet();
    await fx().db.users.upsert(wallet);
    await fx().sql.query(
      `INSERT INTO player_weeks (wallet, week_id, score, pardon_granted_at, final_score)
       VALUES ($1, $2, 90, $3, $4)`,
      [wallet, weekId, at, finalScore],
    );
    return wallet;
  }

  test('orders by final score, then who reached 90 first; the close is idempotent and pays the pool', async () => {
    const weekId = '2026-11-23T14:00Z';
    const t = new Date('2026-11-24T10:00:00Z');
    const a = await pardoned(weekId, 95.5, t);
    const b = await pardoned(weekId, 97, new Date(t.getTime() + 5_000));
    const c = await pardoned(weekId, 95.5, new Date(t.getTime() - 5_000));
    const board = await fx().db.game.board(weekId);
    expect(board.map((e) => e.wallet)).toEqual([b, c, a]);
    expect(board.map((e) => e.rank)).toEqual([1, 2, 3]);

    const closed = await fx().db.game.closeWeek(weekId, rules);
    expect(closed).toMatchObject({ created: true, winners: 3 });
    expect(closed.prizes.map((p) => p.wallet)).toEqual([b, c, a]);
    const total = closed.prizes.reduce((sum, p) => sum + BigInt(p.amountBaseUnits), 0n);
    expect(total).toBe(rules.prizePoolBaseUnits);

    const again = await fx().db.game.closeWeek(weekId, rules);
    expect(again).toMatchObject({ created: false, winners: 3, prizes: closed.prizes });
    expect(await count(fx().sql, 'prize_entitlements', 'week_id = $1', [weekId])).toBe(3);
    expect((await fx().db.game.prizes(weekId)).prizes).toEqual(closed.prizes);
  });
});
