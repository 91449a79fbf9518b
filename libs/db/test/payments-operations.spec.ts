// Locks in payments (idempotent on signature, Decimal volumes in a window), the gateway task
// registry, pool-health snapshots and the leaderboard.
import { Decimal, InvalidInputError } from '../src';
import { randomWallet } from '../src/testing';
import { count, MINUTE_MS, useTestDb } from './support';

const fx = useTestDb();

describe('payments', () => {
  const base = { toAgent: 'cz', currency: 'SOL', serviceType: 'pardon_consult', verified: true };

  test('the same signature twice stores one row and returns the stored payment', async () => {
    const fromWallet = randomWallet();
    const signature = `sig-${randomWallet()}`;
    const first = await fx().db.payments.record({ ...base, signature, fromWallet, amount: '0.1' });
    const second = await fx().db.payments.record({ ...base, signature, fromWallet, amount: '99' });
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.payment).toEqual(first.payment);
    expect(second.payment.amount.toFixed()).toBe('0.1');
    expect(await count(fx().sql, 'payments', 'signature = $1', [signature])).toBe(1);
  });

  test('concurrent records of one signature store one row', async () => {
    const signature = `sig-${randomWallet()}`;
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        fx().db.payments.record({ ...base, signature, fromWallet: randomWallet(), amount: '1' }),
      ),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await count(fx().sql, 'payments', 'signature = $1', [signature])).toBe(1);
  });

  test('volume sums verified payments per currency in [from, to) exactly, as Decimal', async () => {
    const from = new Date(Date.UTC(2030, 0, 1));
    const to = new Date(Date.UTC(2030, 0, 2));
    const put = async (amount: string, at: Date, extra: Partial<typeof base> = {}) => {
      const { payment } = await fx().db.payments.record({
        ...base,
        ...extra,
        signature: `sig-${randomWallet()}`,
        fromWallet: randomWallet(),
        amount,
      });
      await fx().sql.query('UPDATE payments SET created_at = $2 WHERE id = $1', [payment.id, at]);
    };
    await put('0.1', from);
    await put('0.2', new Date(to.getTime() - 1));
    await put('5', new Date(from.getTime() - 1)); // before the window
    await put('7', to); // the end is exclusive
    await put('3', from, { verified: false });
    await put('2.5', from, { currency: 'USDC' });

    const volume = await fx().db.payments.volume({ from, to });
    expect(volume.map((v) => [v.currency, v.total.toFixed(), v.count])).toEqual([
      ['SOL', '0.3', 2],
      ['USDC', '2.5', 1],
    ]);
    expect(volume[0]?.total).toBeInstanceOf(Decimal);
    const withUnverified = await fx().db.payments.volume({ from, to, includeUnverified: true });
    expect(withUnverified.find((v) => v.currency === 'SOL')?.total.toFixed()).toBe('3.3');
  });

  test('rejects a negative, float-like or over-precise amount and a bad wallet, storing nothing', async () => {
    const before = await count(fx().sql, 'payments');
    for (const amount of ['-1', '1e3', '0.0000000001', 'abc', '']) {
      await expect(
        fx().db.payments.record({
          ...base,
          signature: `s-${amount}`,
          fromWallet: randomWallet(),
          amount,
        }),
      ).rejects.toBeInstanceOf(InvalidInputError);
    }
    await expect(
      fx().db.payments.record({ ...base, signature: 's-wallet', fromWallet: 'nope', amount: '1' }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect(await count(fx().sql, 'payments')).toBe(before);
  });

  test('accepts a Decimal amount and keeps all nine decimal places', async () => {
    const { payment } = await fx().db.payments.record({
      ...base,
      signature: `sig-${randomWallet()}`,
      fromWallet: randomWallet(),
      amount: new Decimal('123456789.123456789'),
    });
    expect(payment.amount.toFixed()).toBe('123456789.123456789');
  });
});

describe('gateway tasks', () => {
  test('heartbeat registers a task then moves its heartbeat; listLive filters by the cutoff', async () => {
    const now = Date.now();
    const first = await fx().db.gatewayTasks.heartbeat({
      taskId: 'task-live',
      baseUrl: 'http://127.0.0.1:1',
      at: new Date(now - 10_000),
    });
    const beat = await fx().db.gatewayTasks.heartbeat({
      taskId: 'task-live',
      baseUrl: 'http://127.0.0.1:2',
      at: new Date(now),
    });
    await fx().db.gatewayTasks.heartbeat({
      taskId: 'task-dead',
      baseUrl: 'http://127.0.0.1:3',
      at: new Date(now - MINUTE_MS),
    });
    expect(beat.startedAt).toEqual(first.startedAt);
    expect(beat.baseUrl).toBe('http://127.0.0.1:2');
    const live = await fx().db.gatewayTasks.listLive(new Date(now - 30_000));
    expect(live.map((t) => t.taskId)).toContain('task-live');
    expect(live.map((t) => t.taskId)).not.toContain('task-dead');
    expect(await fx().db.gatewayTasks.remove('task-live')).toBe(true);
    expect(await fx().db.gatewayTasks.remove('task-live')).toBe(false);
  });
});

describe('pool health snapshots', () => {
  test('latest returns the newest snapshot per task and pool', async () => {
    const t0 = new Date(Date.UTC(2031, 0, 1));
    const at = (s: number) => new Date(t0.getTime() + s * 1000);
    const snap = { activeThreads: 3, activeSessions: 2, agentsConnected: 6 };
    expect(
      await fx().db.poolHealth.record([
        { ...snap, taskId: 'ta', pool: 'pool-0', status: 'healthy', takenAt: at(0) },
        { ...snap, taskId: 'ta', pool: 'pool-0', status: 'degraded', takenAt: at(300) },
        { ...snap, taskId: 'ta', pool: 'pool-1', status: 'healthy', takenAt: at(300) },
        { ...snap, taskId: 'tb', pool: 'pool-0', status: 'unhealthy', takenAt: at(10) },
      ]),
    ).toBe(4);
    const latest = await fx().db.poolHealth.latest({ since: t0 });
    expect(latest.map((s) => [s.taskId, s.pool, s.status])).toEqual([
      ['ta', 'pool-0', 'degraded'],
      ['ta', 'pool-1', 'healthy'],
      ['tb', 'pool-0', 'unhealthy'],
    ]);
    const recent = await fx().db.poolHealth.latest({ since: at(100) });
    expect(recent.map((s) => s.taskId)).toEqual(['ta', 'ta']);
  });

  test('rejects an unknown status or a negative count, storing nothing', async () => {
    const ok = {
      taskId: 'tz',
      pool: 'p',
      status: 'healthy' as const,
      activeThreads: 0,
      activeSessions: 0,
      agentsConnected: 0,
      takenAt: new Date(),
    };
    await expect(
      fx().db.poolHealth.record([ok, { ...ok, status: 'fine' as never }]),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await expect(fx().db.poolHealth.record([{ ...ok, activeThreads: -1 }])).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect(await count(fx().sql, 'pool_health_snapshots', "task_id = 'tz'")).toBe(0);
  });
});

describe('leaderboard', () => {
  test('ranks wallets active in the window by total score, ties by wallet', async () => {
    const from = new Date(Date.UTC(2032, 0, 1));
    const to = new Date(Date.UTC(2032, 0, 8));
    const players = [randomWallet(), randomWallet(), randomWallet(), randomWallet()];
    const scores = [10, 30, 30, 99];
    for (const [i, wallet] of players.entries())
      await fx().db.users.addScore(wallet, scores[i] ?? 0);
    const inWindow = new Date(from.getTime() + 1000);
    await fx().sql.query('UPDATE users SET last_active_at = $2 WHERE wallet = ANY($1)', [
      players.slice(0, 3),
      inWindow,
    ]);
    await fx().sql.query('UPDATE users SET last_active_at = $2 WHERE wallet = $1', [
      players[3],
      to,
    ]);

    const board = await fx().db.users.leaderboard({ from, to, limit: 10 });
    const tied = players.slice(1, 3).sort();
    expect(board.map((e) => [e.rank, e.wallet, e.totalScore])).toEqual([
      [1, tied[0], 30],
      [2, tied[1], 30],
      [3, players[0], 10],
    ]);
    await expect(fx().db.users.leaderboard({ from, to, limit: 0 })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });
});
