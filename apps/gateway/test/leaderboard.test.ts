// Locks in GET /api/leaderboard: a week's board of pardoned players (weeks start Monday 14:00 UTC,
// named by that instant), by final score, ties to who reached 90 first, limited; the caller's own
// standing; another week by its id; a player route (bearer token); bad limits and week ids are
// 400s; and a closed week's prizes.
import { previousWeek, weekOf } from '@pardon/game';
import { createTestDb, startGateway, type TestDb, type TestGateway } from './support/gateway';
import { newWallet, request, signIn } from './support/wallet';

describe('leaderboard', () => {
  let db: TestDb;
  let gw: TestGateway;

  beforeAll(async () => {
    db = await createTestDb();
    gw = await startGateway(db.url);
  });

  afterAll(async () => {
    await gw?.close();
    await db?.drop();
  });

  async function pardoned(weekId: string, wallet: string, finalScore: number, at: Date) {
    await db.query(
      `INSERT INTO player_weeks (wallet, week_id, score, pardon_granted_at, final_score)
       VALUES ($1, $2, 91, $3, $4)`,
      [wallet, weekId, at, finalScore],
    );
  }

  it('ranks this week’s pardoned players by final score, then who reached 90 first', async () => {
    const [a, b, c, old, unpardoned] = [
      newWallet(),
      newWallet(),
      newWallet(),
      newWallet(),
      newWallet(),
    ];
    const token = await signIn(gw.url, a);
    for (const w of [b, c, old, unpardoned]) await signIn(gw.url, w);
    const week = weekOf(Date.now());
    const t = new Date(week.startMs + 60_000);
    await pardoned(week.id, a.address, 95, new Date(t.getTime() + 1000));
    await pardoned(week.id, b.address, 97.5, t);
    await pardoned(week.id, c.address, 95, t);
    await pardoned(previousWeek(week).id, old.address, 99, new Date(week.startMs - 1000));
    await db.query(`INSERT INTO player_weeks (wallet, week_id, score) VALUES ($1, $2, 80)`, [
      unpardoned.address,
      week.id,
    ]);

    const res = await request('GET', `${gw.url}/api/leaderboard?limit=3`, { token });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      weekId: week.id,
      weekStart: new Date(week.startMs).toISOString(),
      weekEnd: new Date(week.endMs).toISOString(),
      me: { rank: 3, pardoned: true, finalScore: 95 },
    });
    expect(
      res.json.entries.map((e: { rank: number; wallet: string; totalScore: number }) => [
        e.rank,
        e.wallet,
        e.totalScore,
      ]),
    ).toEqual([
      [1, b.address, 97.5],
      [2, c.address, 95],
      [3, a.address, 95],
    ]);
    for (const e of res.json.entries as Array<{ lastActiveAt: string }>) {
      expect(e.lastActiveAt).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/);
    }
    const top1 = await request('GET', `${gw.url}/api/leaderboard?limit=1`, { token });
    expect(top1.json.entries).toHaveLength(1);

    // A player below 90 sees their own standing; last week's board by its id.
    const mine = await request('GET', `${gw.url}/api/leaderboard`, {
      token: await signIn(gw.url, unpardoned),
    });
    expect(mine.json.me).toEqual({ rank: null, score: 80, finalScore: null, pardoned: false });
    const last = await request('GET', `${gw.url}/api/leaderboard?week=${previousWeek(week).id}`, {
      token,
    });
    expect(last.json.entries.map((e: { wallet: string }) => e.wallet)).toEqual([old.address]);
  });

  it('needs a bearer token and refuses limits outside 1..100 and malformed weeks', async () => {
    const anonymous = await request('GET', `${gw.url}/api/leaderboard`);
    expect(anonymous.status).toBe(401);
    const token = await signIn(gw.url, newWallet());
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=ten',
      'week=2026-W48',
      'week=2026-11-30T13:00Z',
    ]) {
      const res = await request('GET', `${gw.url}/api/leaderboard?${query}`, { token });
      expect(res.status).toBe(400);
      expect(res.json.error).toBe('validation_failed');
    }
  });

  it('lists a closed week’s prizes in base units and tokens, and none for an open week', async () => {
    const token = await signIn(gw.url, newWallet());
    const week = weekOf(Date.now());
    const open = await request('GET', `${gw.url}/api/leaderboard/weeks/${week.id}/prizes`, {
      token,
    });
    expect(open.json).toEqual({ weekId: week.id, closedAt: null, prizes: [] });
    const last = previousWeek(week).id;
    await db.query(
      `INSERT INTO week_closes (week_id, board, pool_base_units) VALUES ($1, '[]', 10000000000)`,
      [last],
    );
    const winner = newWallet();
    await signIn(gw.url, winner);
    await db.query(
      `INSERT INTO prize_entitlements (week_id, place, wallet, final_score, amount_base_units)
       VALUES ($1, 1, $2, 99, 10000000000)`,
      [last, winner.address],
    );
    const closed = await request('GET', `${gw.url}/api/leaderboard/weeks/${last}/prizes`, {
      token,
    });
    expect(closed.json).toMatchObject({
      weekId: last,
      prizes: [
        {
          place: 1,
          wallet: winner.address,
          finalScore: 99,
          amountBaseUnits: '10000000000',
          amountTokens: '10000',
        },
      ],
    });
    expect(closed.json.closedAt).toEqual(expect.any(String));
  });
});
