// Locks in weekly-close run by hand on a gateway: `POST /api/cron/weekly-close` (CRON_SECRET) and
// `POST /api/ops/cron/weekly-close` (OPS_TOKEN) close the week that ended last, idempotently
// (the second call says created: false and changes nothing), with the prizes in base units and
// tokens; the run is recorded in cron_runs (the ops page shows it); wrong or missing bearers are
// refused and nothing is closed.
import { previousWeek, weekOf } from '@pardon/game';
import { randomWallet } from '@pardon/db/testing';
import { CRON_SECRET } from './support/gateway';
import { useGateway } from './support/fixture';
import { request } from './support/wallet';

const OPS_TOKEN = 'test-ops-token-0123456789';
const f = useGateway({ OPS_TOKEN }, { agents: false });
const HOUR_MS = 3_600_000;

async function pardoned(weekId: string, finalScore: number, at: Date): Promise<string> {
  const wallet = randomWallet();
  await f.db.query('INSERT INTO users (wallet) VALUES ($1) ON CONFLICT DO NOTHING', [wallet]);
  await f.db.query(
    `INSERT INTO player_weeks (wallet, week_id, score, pardon_granted_at, final_score)
     VALUES ($1, $2, 90, $3, $4)`,
    [wallet, weekId, at, finalScore],
  );
  return wallet;
}

describe('weekly-close on the gateway', () => {
  const ended = previousWeek(weekOf(Date.now()));
  let wallets: string[] = [];

  beforeAll(async () => {
    // Four pardons last week (best first), one this week (not part of the close).
    wallets = [];
    for (const [i, score] of [98.5, 96, 93.25, 90].entries()) {
      wallets.push(await pardoned(ended.id, score, new Date(ended.startMs + (i + 1) * HOUR_MS)));
    }
    await pardoned(weekOf(Date.now()).id, 99, new Date());
  });

  it('refuses without the bearer secret and closes nothing', async () => {
    const none = await request('POST', `${f.gw.url}/api/cron/weekly-close`);
    expect(none.status).toBe(401);
    const wrong = await request('POST', `${f.gw.url}/api/cron/weekly-close`, {
      token: 'x'.repeat(CRON_SECRET.length),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toBe('unauthorized');
    // The ops route wants the ops token, not the cron secret.
    const crossed = await request('POST', `${f.gw.url}/api/ops/cron/weekly-close`, {
      token: CRON_SECRET,
    });
    expect(crossed.status).toBe(401);
    expect(await f.db.query('SELECT * FROM week_closes')).toEqual([]);
  });

  it('POST /api/cron/weekly-close closes the week that ended last, with its prizes', async () => {
    const r = await request('POST', `${f.gw.url}/api/cron/weekly-close`, { token: CRON_SECRET });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      job: 'weekly-close',
      weekId: ended.id,
      created: true,
      closedAt: expect.stringMatching(/Z$/),
      winners: 4,
      paidBaseUnits: '10000000000',
      paidTokens: '10000',
    });
    // Board order; the whole pool is paid out over the four.
    expect(r.json.prizes).toEqual([
      expect.objectContaining({ place: 1, wallet: wallets[0], finalScore: 98.5 }),
      expect.objectContaining({ place: 2, wallet: wallets[1], finalScore: 96 }),
      expect.objectContaining({ place: 3, wallet: wallets[2], finalScore: 93.25 }),
      expect.objectContaining({ place: 4, wallet: wallets[3], finalScore: 90 }),
    ]);
    for (const p of r.json.prizes as Array<{ amountBaseUnits: string; amountTokens: string }>) {
      const units = BigInt(p.amountBaseUnits);
      const fraction = String(units % 1_000_000n)
        .padStart(6, '0')
        .replace(/0+$/, '');
      expect(p.amountTokens).toBe(`${units / 1_000_000n}${fraction ? `.${fraction}` : ''}`);
    }
    const total = (r.json.prizes as Array<{ amountBaseUnits: string }>).reduce(
      (sum, p) => sum + BigInt(p.amountBaseUnits),
      0n,
    );
    expect(total).toBe(10_000_000_000n);
    const closes = await f.db.query<{ week_id: string }>('SELECT week_id FROM week_closes');
    expect(closes).toEqual([{ week_id: ended.id }]);
  });

  it('is idempotent: the second call (here from the ops page) finds the close', async () => {
    const first = await request('POST', `${f.gw.url}/api/cron/weekly-close`, {
      token: CRON_SECRET,
    });
    expect(first.json.created).toBe(false);
    const r = await request('POST', `${f.gw.url}/api/ops/cron/weekly-close`, { token: OPS_TOKEN });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      job: 'weekly-close',
      result: { weekId: ended.id, created: false, prizes: first.json.prizes },
    });
    const rows = await f.db.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM prize_entitlements WHERE week_id = $1',
      [ended.id],
    );
    expect(rows).toEqual([{ n: '4' }]);
  });

  it('records the run in cron_runs, which the ops overview lists with a run button', async () => {
    type Row = { job: string; lastRun: { ok: boolean; summary: Record<string, unknown> } | null };
    let weekly: Row | undefined;
    const deadline = Date.now() + 5_000;
    for (;;) {
      const o = await request('GET', `${f.gw.url}/api/ops/overview`, { token: OPS_TOKEN });
      expect(o.status).toBe(200);
      weekly = (o.json.cron as Row[]).find((c) => c.job === 'weekly-close');
      if (weekly?.lastRun || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(weekly?.lastRun).toMatchObject({ ok: true, summary: { weekId: ended.id } });
    expect(weekly?.lastRun?.summary).not.toHaveProperty('prizes');
  });
});
