// Locks in users and sessions: at most one active session per wallet (race-safe), activity moves
// both clocks, ending closes threads, and idle expiry ends exactly the sessions idle >= N.
import { InvalidInputError } from '../src';
import { randomWallet } from '../src/testing';
import { count, MINUTE_MS, useTestDb } from './support';

const fx = useTestDb();

async function setLastActivity(sessionId: string, at: Date): Promise<void> {
  await fx().sql.query('UPDATE sessions SET last_activity_at = $2 WHERE id = $1', [sessionId, at]);
}

describe('users', () => {
  test('upsert creates the user once and moves lastActiveAt on later calls', async () => {
    const wallet = randomWallet();
    const first = await fx().db.users.upsert(wallet);
    const second = await fx().db.users.upsert(wallet);
    expect(first.wallet).toBe(wallet);
    expect(first.totalScore).toBe(0);
    expect(second.lastActiveAt.getTime()).toBeGreaterThanOrEqual(first.lastActiveAt.getTime());
    expect(await count(fx().sql, 'users', 'wallet = $1', [wallet])).toBe(1);
  });

  test('rejects a wallet that is not a base58 32-byte key, writing nothing', async () => {
    const before = await count(fx().sql, 'users');
    // 45 base58 digits always exceed 32 bytes (a 43-digit wallet with one more digit may not).
    for (const bad of [
      '',
      'not-base58-0OIl',
      '1111',
      'x'.repeat(44),
      randomWallet().padEnd(45, 'z'),
    ]) {
      await expect(fx().db.users.upsert(bad)).rejects.toThrow(InvalidInputError);
    }
    expect(await count(fx().sql, 'users')).toBe(before);
  });

  test('addScore accumulates into the total score', async () => {
    const wallet = randomWallet();
    await fx().db.users.addScore(wallet, 5);
    const user = await fx().db.users.addScore(wallet, 7);
    expect(user.totalScore).toBe(12);
  });
});

describe('sessions.openOrReuse', () => {
  test('opens a session for a new wallet and returns the same one while it is active', async () => {
    const wallet = randomWallet();
    const first = await fx().db.sessions.openOrReuse({ wallet, pool: 'pool-1', taskId: 'task-a' });
    const again = await fx().db.sessions.openOrReuse({ wallet, pool: 'pool-3', taskId: 'task-b' });
    expect(first.created).toBe(true);
    expect(first.session).toMatchObject({
      wallet,
      pool: 'pool-1',
      taskId: 'task-a',
      endedAt: null,
    });
    expect(again.created).toBe(false);
    expect(again.session.id).toBe(first.session.id);
    expect(await fx().db.sessions.findActive(wallet)).toEqual(first.session);
  });

  test('concurrent calls for one wallet create exactly one session', async () => {
    const wallet = randomWallet();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        fx().db.sessions.openOrReuse({ wallet, pool: `pool-${i % 5}`, taskId: `task-${i}` }),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.session.id)).size).toBe(1);
    expect(await count(fx().sql, 'sessions', 'wallet = $1', [wallet])).toBe(1);
  });

  test('the database itself refuses a second active session for a wallet', async () => {
    const wallet = randomWallet();
    await fx().db.sessions.openOrReuse({ wallet, pool: 'pool-0', taskId: 't' });
    await expect(
      fx().sql.query(`INSERT INTO sessions (wallet, pool, task_id) VALUES ($1, 'pool-0', 't')`, [
        wallet,
      ]),
    ).rejects.toMatchObject({ code: '23505' });
  });

  test('opens a new session after the previous one ended', async () => {
    const wallet = randomWallet();
    const first = await fx().db.sessions.openOrReuse({ wallet, pool: 'pool-0', taskId: 't' });
    await fx().db.sessions.end(first.session.id, 'logout');
    const second = await fx().db.sessions.openOrReuse({ wallet, pool: 'pool-2', taskId: 't' });
    expect(second.created).toBe(true);
    expect(second.session.id).not.toBe(first.session.id);
    expect((await fx().db.sessions.get(first.session.id))?.endReason).toBe('logout');
  });

  test('rejects an empty pool or task id', async () => {
    const wallet = randomWallet();
    await expect(fx().db.sessions.openOrReuse({ wallet, pool: '', taskId: 't' })).rejects.toThrow(
      InvalidInputError,
    );
    await expect(fx().db.sessions.openOrReuse({ wallet, pool: 'p', taskId: ' ' })).rejects.toThrow(
      InvalidInputError,
    );
  });
});

describe('sessions.touch and end', () => {
  test('touch moves the session lastActivityAt and the user lastActiveAt', async () => {
    const wallet = randomWallet();
    const { session } = await fx().db.sessions.openOrReuse({ wallet, pool: 'pool-0', taskId: 't' });
    const old = new Date(Date.now() - 30 * MINUTE_MS);
    await setLastActivity(session.id, old);
    await fx().sql.query('UPDATE users SET last_active_at = $2 WHERE wallet = $1', [wallet, old]);
    const at = new Date();
    expect(await fx().db.sessions.touch(session.id, at)).toBe(true);
    expect((await fx().db.sessions.get(session.id))?.lastActivityAt.getTime()).toBe(at.getTime());
    expect((await fx().db.users.find(wallet))?.lastActiveAt.getTime()).toBe(at.getTime());
  });

  test('touch never moves activity backwards and ignores ended or unknown sessions', async () => {
    const wallet = randomWallet();
    const { session } = await fx().db.sessions.openOrReuse({ wallet, pool: 'pool-0', taskId: 't' });
    const before = session.lastActivityAt;
    await fx().db.sessions.touch(session.id, new Date(before.getTime() - MINUTE_MS));
    expect((await fx().db.sessions.get(session.id))?.lastActivityAt).toEqual(before);
    await fx().db.sessions.end(session.id, 'logout');
    expect(await fx().db.sessions.touch(session.id)).toBe(false);
    expect(await fx().db.sessions.touch('00000000-0000-4000-8000-000000000000')).toBe(false);
    expect(await fx().db.sessions.touch('not-a-uuid')).toBe(false);
  });

  test('end closes the session threads once; a second end changes nothing', async () => {
    const wallet = randomWallet();
    const { session } = await fx().db.sessions.openOrReuse({ wallet, pool: 'pool-0', taskId: 't' });
    const a = await fx().db.threads.create({ sessionId: session.id, agentId: 'cz' });
    const b = await fx().db.threads.create({ sessionId: session.id, agentId: 'trump-eric' });
    const first = await fx().db.sessions.end(session.id, 'logout');
    expect(first.ended).toBe(true);
    expect(first.closedThreadIds.sort()).toEqual([a.id, b.id].sort());
    expect(await fx().db.sessions.end(session.id, 'logout')).toEqual({
      ended: false,
      closedThreadIds: [],
    });
    expect((await fx().db.threads.get(a.id))?.closeReason).toBe('session_ended');
  });
});

describe('sessions.expireIdle', () => {
  test('a session idle exactly 60 minutes expires and one idle 1 ms less does not', async () => {
    const now = new Date();
    const cutoff = new Date(now.getTime() - 60 * MINUTE_MS);
    const exactly = await fx().db.sessions.openOrReuse({
      wallet: randomWallet(),
      pool: 'pool-4',
      taskId: 'tx',
    });
    const almost = await fx().db.sessions.openOrReuse({
      wallet: randomWallet(),
      pool: 'pool-4',
      taskId: 'tx',
    });
    const thread = await fx().db.threads.create({ sessionId: exactly.session.id, agentId: 'cz' });
    await setLastActivity(exactly.session.id, cutoff);
    await setLastActivity(almost.session.id, new Date(cutoff.getTime() + 1));

    const result = await fx().db.sessions.expireIdle({ cutoff });

    const endedIds = result.sessions.map((s) => s.sessionId);
    expect(endedIds).toContain(exactly.session.id);
    expect(endedIds).not.toContain(almost.session.id);
    expect(result.sessions.find((s) => s.sessionId === exactly.session.id)).toEqual({
      sessionId: exactly.session.id,
      wallet: exactly.session.wallet,
      pool: 'pool-4',
      taskId: 'tx',
    });
    expect(result.closedThreadIds).toContain(thread.id);
    expect((await fx().db.sessions.get(exactly.session.id))?.endReason).toBe('idle');
    expect((await fx().db.sessions.get(almost.session.id))?.endedAt).toBeNull();
    expect((await fx().db.threads.get(thread.id))?.closeReason).toBe('session_expired');
  });

  test('works in batches until every idle session is ended, and a second run ends nothing', async () => {
    const cutoff = new Date(Date.now() - 60 * MINUTE_MS);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const { session } = await fx().db.sessions.openOrReuse({
        wallet: randomWallet(),
        pool: 'pool-2',
        taskId: 'tb',
      });
      await setLastActivity(session.id, new Date(cutoff.getTime() - i * 1000));
      ids.push(session.id);
    }
    const result = await fx().db.sessions.expireIdle({ cutoff, batchSize: 3 });
    expect(result.batches).toBe(3);
    expect(result.sessions.map((s) => s.sessionId)).toEqual(expect.arrayContaining(ids));
    const again = await fx().db.sessions.expireIdle({ cutoff, batchSize: 3 });
    expect(again.sessions).toEqual([]);
  });

  test('maxBatches bounds one run; the next run continues where it stopped', async () => {
    const cutoff = new Date(Date.now() - 120 * MINUTE_MS);
    for (let i = 0; i < 5; i++) {
      const { session } = await fx().db.sessions.openOrReuse({
        wallet: randomWallet(),
        pool: 'pool-3',
        taskId: 'tc',
      });
      await setLastActivity(session.id, new Date(cutoff.getTime() - 1000));
    }
    const first = await fx().db.sessions.expireIdle({ cutoff, batchSize: 2, maxBatches: 1 });
    expect(first.sessions).toHaveLength(2);
    const rest = await fx().db.sessions.expireIdle({ cutoff, batchSize: 2 });
    expect(rest.sessions).toHaveLength(3);
  });

  test('rejects an invalid cutoff or batch size', async () => {
    await expect(fx().db.sessions.expireIdle({ cutoff: new Date('nope') })).rejects.toThrow(
      InvalidInputError,
    );
    await expect(fx().db.sessions.expireIdle({ cutoff: new Date(), batchSize: 0 })).rejects.toThrow(
      InvalidInputError,
    );
  });
});
