// Locks in that the operations surface plays by the configured game rules (GAME_WEEK_START,
// GAME_PRIZE_POOL_TOKENS, GAME_TOKEN_DECIMALS), not the defaults: weekly-close closes the week
// that ended under them, the CSV shows tokens at their decimals, the overview's week is theirs.
// Needs app.ts to hand `config.gameRules` to LifecycleJobs (`rules`).
import { randomWallet } from '@pardon/db/testing';
import { DEFAULT_GAME_RULES, previousWeek, weekOf, type GameRules } from '@pardon/game';
import { CRON_SECRET } from './support/gateway';
import { useGateway } from './support/fixture';
import { request } from './support/wallet';

const OPS_TOKEN = 'test-ops-token-0123456789';
const f = useGateway(
  {
    OPS_TOKEN,
    GAME_WEEK_START: 'sun 00:00',
    GAME_PRIZE_POOL_TOKENS: '3',
    GAME_TOKEN_DECIMALS: '2',
  },
  { agents: false },
);
const rules: GameRules = {
  ...DEFAULT_GAME_RULES,
  weekStart: { weekdayUtc: 0, hourUtc: 0, minuteUtc: 0 },
  prizePoolBaseUnits: 300n,
  tokenDecimals: 2,
};

it('closes, lists and prices weeks by the configured rules', async () => {
  const ended = previousWeek(weekOf(Date.now(), rules), rules);
  const wallet = randomWallet();
  await f.db.query('INSERT INTO users (wallet) VALUES ($1)', [wallet]);
  await f.db.query(
    `INSERT INTO player_weeks (wallet, week_id, score, pardon_granted_at, final_score)
     VALUES ($1, $2, 90, $3, 92.5)`,
    [wallet, ended.id, new Date(ended.startMs + 60_000)],
  );

  const r = await request('POST', `${f.gw.url}/api/cron/weekly-close`, { token: CRON_SECRET });
  expect(r.status).toBe(200);
  expect(r.json).toMatchObject({
    weekId: ended.id,
    created: true,
    winners: 1,
    paidBaseUnits: '300',
    paidTokens: '3',
    prizes: [{ place: 1, wallet, amountBaseUnits: '300', amountTokens: '3' }],
  });

  const csv = await request('GET', `${f.gw.url}/api/ops/prizes.csv?week=${ended.id}`, {
    token: OPS_TOKEN,
  });
  expect(csv.json).toBe(
    `place,wallet,final_score,amount_base_units,amount_tokens\n1,${wallet},92.50,300,3\n`,
  );
  // A Monday 14:00 id is not a week start under these rules.
  const monday = previousWeek(weekOf(Date.now())).id;
  const bad = await request('GET', `${f.gw.url}/api/ops/prizes.csv?week=${monday}`, {
    token: OPS_TOKEN,
  });
  expect(bad.status).toBe(400);

  const o = await request('GET', `${f.gw.url}/api/ops/overview`, { token: OPS_TOKEN });
  expect(o.json.game.weekId).toBe(weekOf(Date.now(), rules).id);
});
