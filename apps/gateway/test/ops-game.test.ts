// Locks in the game on the operations API: the overview's `game` (this week's pardons, the top 10
// of the board in board order, evaluations per minute over the last 30 minutes with the quiet
// minutes as 0) and `GET /api/ops/prizes.csv?week=` (OPS_TOKEN; exact base units and tokens; the
// header alone for a week not closed yet; 400 JSON for a malformed week id).
import { createDb, type Db } from '@pardon/db';
import { randomWallet } from '@pardon/db/testing';
import { DEFAULT_GAME_RULES, previousWeek, weekOf } from '@pardon/game';
import { CRON_SECRET } from './support/gateway';
import { useGateway } from './support/fixture';
import { request } from './support/wallet';

const OPS_TOKEN = 'test-ops-token-0123456789';
const f = useGateway({ OPS_TOKEN }, { agents: false });
const MINUTE_MS = 60_000;

let db: Db;
/** Last week's pardon seeded by the overview test (place 1 of the close). */
let lastWeeks = '';
beforeAll(() => {
  db = createDb({ writeUrl: f.db.url, writePoolSize: 2 });
});
afterAll(async () => {
  await db?.close();
});

async function pardoned(weekId: string, finalScore: number, at: Date): Promise<string> {
  const wallet = randomWallet();
  await db.users.upsert(wallet);
  await f.db.query(
    `INSERT INTO player_weeks (wallet, week_id, score, pardon_granted_at, final_score)
     VALUES ($1, $2, 90, $3, $4)`,
    [wallet, weekId, at, finalScore],
  );
  return wallet;
}

/** One stored evaluation (through libs/db), then moved to `at`. */
async function evaluated(at: Date): Promise<void> {
  const wallet = randomWallet();
  const { session } = await db.sessions.openOrReuse({ wallet, pool: 'pool-0', taskId: 'seed' });
  const thread = await db.threads.create({ sessionId: session.id, agentId: 'agent-a' });
  const { message } = await db.messages.append({
    threadId: thread.id,
    senderId: wallet,
    content: 'deal?',
    mentions: ['agent-a'],
  });
  const r = await db.game.evaluate(
    { messageId: message.id, agentId: 'agent-a', score: 2, reason: 'ok', at: Date.now() },
    DEFAULT_GAME_RULES,
  );
  await f.db.query('UPDATE evaluations SET created_at = $2 WHERE id = $1', [r.evaluationId, at]);
}

describe('the game on the operations API', () => {
  it('shows this week’s pardons, the top 10 and evaluations per minute in the overview', async () => {
    const week = weekOf(Date.now());
    const start = Math.max(week.startMs, Date.now() - 24 * 3_600_000);
    const wallets: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      // Rising scores: the last one seeded leads the board.
      wallets.push(await pardoned(week.id, 90 + i * 0.5, new Date(start + i * 1_000)));
    }
    // A pardon of last week is not this week's.
    lastWeeks = await pardoned(previousWeek(week).id, 99, new Date(week.startMs - MINUTE_MS));
    const thisMinute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
    await evaluated(new Date(thisMinute - 2 * MINUTE_MS + 1_000));
    await evaluated(new Date(thisMinute - 2 * MINUTE_MS + 2_000));
    await evaluated(new Date(thisMinute - 5 * MINUTE_MS));
    await evaluated(new Date(thisMinute - 45 * MINUTE_MS)); // before the window

    const r = await request('GET', `${f.gw.url}/api/ops/overview`, { token: OPS_TOKEN });
    expect(r.status).toBe(200);
    const game = r.json.game;
    expect(game).toMatchObject({
      weekId: week.id,
      weekStart: new Date(week.startMs).toISOString(),
      weekEnd: new Date(week.endMs).toISOString(),
      pardons: 12,
    });
    expect(game.board).toHaveLength(10);
    expect(game.board[0]).toEqual({
      rank: 1,
      wallet: wallets[11],
      finalScore: 95.5,
      pardonGrantedAt: new Date(start + 11_000).toISOString(),
    });
    expect(game.board.map((e: { wallet: string }) => e.wallet)).toEqual(wallets.slice(2).reverse());
    expect(game.board.map((e: { rank: number }) => e.rank)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);

    const perMinute = game.evaluationsPerMinute as Array<{ minute: string; count: number }>;
    // Read at most a minute later than `thisMinute`: the window ends at the overview's minute.
    expect(perMinute).toHaveLength(30);
    const at = (ms: number) => perMinute.find((m) => m.minute === new Date(ms).toISOString());
    expect(at(thisMinute - 2 * MINUTE_MS)?.count).toBe(2);
    expect(at(thisMinute - 5 * MINUTE_MS)?.count).toBe(1);
    expect(perMinute.reduce((sum, m) => sum + m.count, 0)).toBe(3);
    const minutes = perMinute.map((m) => Date.parse(m.minute));
    for (let i = 1; i < minutes.length; i += 1) {
      expect((minutes[i] as number) - (minutes[i - 1] as number)).toBe(MINUTE_MS);
    }
  });

  it('serves a closed week’s prizes as CSV with exact token amounts', async () => {
    const ended = previousWeek(weekOf(Date.now()));
    const a = await pardoned(ended.id, 97.5, new Date(ended.startMs + 1_000));
    const b = await pardoned(ended.id, 95, new Date(ended.startMs + 2_000));
    const c = await pardoned(ended.id, 91.25, new Date(ended.startMs + 3_000));

    const open = await request('GET', `${f.gw.url}/api/ops/prizes.csv?week=${ended.id}`, {
      token: OPS_TOKEN,
    });
    expect(open.status).toBe(200);
    expect(open.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(open.json).toBe('place,wallet,final_score,amount_base_units,amount_tokens\n');
    expect(open.headers.get('x-week-closed-at')).toBeNull();

    const closed = await request('POST', `${f.gw.url}/api/cron/weekly-close`, {
      token: CRON_SECRET,
    });
    // Four: the overview test's pardon of last week leads.
    expect(closed.json).toMatchObject({ weekId: ended.id, winners: 4 });
    const r = await request('GET', `${f.gw.url}/api/ops/prizes.csv?week=${ended.id}`, {
      token: OPS_TOKEN,
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toBe(
      `attachment; filename="prizes-${ended.id.replace(/:/g, '')}.csv"`,
    );
    expect(r.headers.get('x-week-closed-at')).toBe(closed.json.closedAt);
    const lines = (r.json as string).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe('place,wallet,final_score,amount_base_units,amount_tokens');
    const rows = lines.slice(1, -1).map((l) => l.split(','));
    expect(rows.map((row) => row.slice(0, 3))).toEqual([
      ['1', lastWeeks, '99.00'],
      ['2', a, '97.50'],
      ['3', b, '95.00'],
      ['4', c, '91.25'],
    ]);
    let total = 0n;
    for (const row of rows) {
      const units = BigInt(row[3] as string);
      total += units;
      const fraction = String(units % 1_000_000n)
        .padStart(6, '0')
        .replace(/0+$/, '');
      expect(row[4]).toBe(`${units / 1_000_000n}${fraction ? `.${fraction}` : ''}`);
    }
    expect(total).toBe(DEFAULT_GAME_RULES.prizePoolBaseUnits);
  });

  it('answers 400 JSON for a malformed or missing week id, and 401 without the ops token', async () => {
    for (const week of ['2026-13-01T14:00Z', 'last-week', '2026-12-01T14:00Z', '']) {
      const r = await request(
        'GET',
        `${f.gw.url}/api/ops/prizes.csv?week=${encodeURIComponent(week)}`,
        { token: OPS_TOKEN },
      );
      expect({ week, status: r.status }).toEqual({ week, status: 400 });
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      expect(r.json).toEqual({ error: 'bad_request', message: expect.stringMatching(/week/) });
    }
    const missing = await request('GET', `${f.gw.url}/api/ops/prizes.csv`, { token: OPS_TOKEN });
    expect(missing.status).toBe(400);
    const refused = await request('GET', `${f.gw.url}/api/ops/prizes.csv?week=2026-11-23T14:00Z`);
    expect(refused.status).toBe(401);
    const crossed = await request('GET', `${f.gw.url}/api/ops/prizes.csv?week=2026-11-23T14:00Z`, {
      token: CRON_SECRET,
    });
    expect(crossed.status).toBe(401);
  });
});
