// Locks in GET /api/leaderboard: the week's top wallets by score (players active since Monday
// 00:00 UTC), highest first, limited; a player route (bearer token); bad limits are 400s.
import { weekOf } from '../src/leaderboard/week';
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

  it('places a week from Monday 00:00 UTC to the next Monday', () => {
    expect(weekOf(new Date('2026-11-28T07:00:00Z'))).toEqual({
      from: new Date('2026-11-23T00:00:00Z'),
      to: new Date('2026-11-30T00:00:00Z'),
    });
    expect(weekOf(new Date('2026-11-23T00:00:00Z')).from).toEqual(new Date('2026-11-23T00:00:00Z'));
    expect(weekOf(new Date('2026-11-29T23:59:59Z')).from).toEqual(new Date('2026-11-23T00:00:00Z'));
  });

  it("ranks this week's players by score, highest first, and leaves out last week's", async () => {
    const [a, b, c, old] = [newWallet(), newWallet(), newWallet(), newWallet()];
    const token = await signIn(gw.url, a);
    for (const w of [b, c, old]) await signIn(gw.url, w);
    const scores: Array<[string, number]> = [
      [a.address, 5],
      [b.address, 50],
      [c.address, 20],
      [old.address, 999],
    ];
    for (const [wallet, score] of scores) {
      await db.query('UPDATE users SET total_score = $2 WHERE wallet = $1', [wallet, score]);
    }
    const lastWeek = new Date(weekOf(new Date()).from.getTime() - 1000);
    await db.query('UPDATE users SET last_active_at = $2 WHERE wallet = $1', [
      old.address,
      lastWeek,
    ]);

    const res = await request('GET', `${gw.url}/api/leaderboard?limit=3`, { token });
    expect(res.status).toBe(200);
    expect(res.json.weekStart).toBe(weekOf(new Date()).from.toISOString());
    expect(
      res.json.entries.map((e: { rank: number; wallet: string; totalScore: number }) => [
        e.rank,
        e.wallet,
        e.totalScore,
      ]),
    ).toEqual([
      [1, b.address, 50],
      [2, c.address, 20],
      [3, a.address, 5],
    ]);
    const top1 = await request('GET', `${gw.url}/api/leaderboard?limit=1`, { token });
    expect(top1.json.entries).toHaveLength(1);
  });

  it('lists no player at score 0 and gives the day of last activity, not the millisecond', async () => {
    const [scored, idle] = [newWallet(), newWallet()];
    const token = await signIn(gw.url, scored);
    await signIn(gw.url, idle);
    await db.query('UPDATE users SET total_score = 3 WHERE wallet = $1', [scored.address]);
    const res = await request('GET', `${gw.url}/api/leaderboard?limit=100`, { token });
    expect(res.status).toBe(200);
    const wallets = res.json.entries.map((e: { wallet: string }) => e.wallet);
    expect(wallets).toContain(scored.address);
    expect(wallets).not.toContain(idle.address);
    for (const e of res.json.entries as Array<{ totalScore: number; lastActiveAt: string }>) {
      expect(e.totalScore).toBeGreaterThan(0);
      expect(e.lastActiveAt).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/);
    }
  });

  it('needs a bearer token and refuses limits outside 1..100', async () => {
    const anonymous = await request('GET', `${gw.url}/api/leaderboard`);
    expect(anonymous.status).toBe(401);
    const token = await signIn(gw.url, newWallet());
    for (const limit of ['0', '101', 'ten']) {
      const res = await request('GET', `${gw.url}/api/leaderboard?limit=${limit}`, { token });
      expect(res.status).toBe(400);
      expect(res.json.error).toBe('validation_failed');
    }
  });
});
