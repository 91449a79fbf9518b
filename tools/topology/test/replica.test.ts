// Locks in the topology's read replica (`replica: true`, what `npm start -- --replica` and the
// integration suite run): the second PostgreSQL is a real streaming standby, the gateways read the
// leaderboard from it and a player's own data from the writer. With replay paused on the standby,
// a pardon written on the writer is missing from `GET /api/leaderboard` while the player's own
// reads (`GET /api/me`, `GET /api/threads`) are current; resumed, the
// board catches up; and the standby follows the primary through a restart.
import { weekOf } from '@pardon/game';
import pg from 'pg';
import { Player } from '../src/lib/player';
import { eventually } from '../src/lib/processes';
import { startTopology, type Topology } from '../src/lib/topology';
import {
  pauseReplay,
  replicationLag,
  resumeReplay,
  waitForReplay,
  type PostgresReplica,
} from '@pardon/test-env';

let topology: Topology | undefined;
let writer: pg.Pool | undefined;

afterAll(async () => {
  if (topology?.replica) await resumeReplay(topology.replica).catch(() => undefined);
  await writer?.end();
  await topology?.stop();
}, 60_000);

/** The wallets on the current week's board, as a player sees it. */
async function board(player: Player): Promise<string[]> {
  const response = await player.call('GET', '/api/leaderboard?limit=100');
  expect(response.status).toBe(200);
  return (response.json['entries'] as Array<{ wallet: string }>).map((e) => e.wallet);
}

test('with replay paused the leaderboard (read replica) lags while the player’s own reads (writer) are current; resumed, it catches up', async () => {
  topology = await startTopology({
    pools: 1,
    cronWorkers: 0,
    agentLatency: '20',
    logLevel: 'warn',
    replica: true,
  });
  const topo = topology;
  const replica = topo.replica as PostgresReplica;
  expect(replica).toBeDefined();
  // The gateways' reader is the standby's copy of the writer's database.
  expect(topo.databaseReadUrl).toBe(replica.url);
  expect(new URL(replica.url).pathname).toBe(new URL(topo.databaseUrl).pathname);
  expect(new URL(replica.url).port).toBe(String(replica.port));
  writer = new pg.Pool({ connectionString: topo.databaseUrl, max: 2 });
  // Its idle connections are ended by the primary's restart below: the pool opens new ones.
  writer.on('error', () => undefined);
  const standby = new pg.Client({ connectionString: replica.url });
  await standby.connect();
  try {
    const recovery = await standby.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
    expect(recovery.rows[0]?.r).toBe(true);
  } finally {
    await standby.end();
  }

  const player = await new Player(topo.url).signIn();
  const wallet = player.wallet;
  await waitForReplay(replica);
  expect(await board(player)).not.toContain(wallet);

  await pauseReplay(replica);
  try {
    // A pardon for the current week, written on the writer: the week's board (player_weeks) and
    // the users' running total both put the wallet on the board.
    const week = weekOf(Date.now()).id;
    await writer.query(
      `INSERT INTO player_weeks (wallet, week_id, score, pardon_granted_at, final_score, updated_at)
       VALUES ($1, $2, 95, now(), 95, now())`,
      [wallet, week],
    );
    await writer.query(
      'UPDATE users SET total_score = total_score + 95, last_active_at = now() WHERE wallet = $1',
      [wallet],
    );
    // The player's own data comes from the writer: a thread opened now is listed at once.
    const threadId = await player.openThread('cz');
    expect((await player.threads()).map((t) => t.threadId)).toContain(threadId);
    // GET /api/me is always from the writer: it shows the pardon now.
    const me = await player.call('GET', '/api/me');
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ wallet, weekId: week, finalScore: 95 });
    expect(me.json['pardonGrantedAt']).toEqual(expect.any(String));

    const lag = await replicationLag(replica);
    expect(lag.paused).toBe(true);
    expect(lag.bytes).toBeGreaterThan(0);
    // The board is read from the standby, which shows the past: no pardon, however often asked.
    for (let i = 0; i < 3; i += 1) {
      expect(await board(player)).not.toContain(wallet);
      // …while the same response's `me` comes from the writer and has it.
      const response = await player.call('GET', '/api/leaderboard');
      expect(response.json['me']).toMatchObject({ pardoned: true, finalScore: 95 });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await resumeReplay(replica);
  }

  await waitForReplay(replica);
  await eventually(
    'the board to show the pardon once replay resumed',
    async () => ((await board(player)).includes(wallet) ? true : undefined),
    10_000,
  );
  expect((await replicationLag(replica)).paused).toBe(false);

  // The standby follows the primary through a restart (an outage of the writer) by itself.
  const primary = topo.postgres;
  if (!primary) throw new Error('no embedded primary');
  await primary.stop();
  await primary.start();
  await writer.query('UPDATE users SET total_score = total_score + 1 WHERE wallet = $1', [wallet]);
  await waitForReplay(replica);
  const reader = new pg.Client({ connectionString: replica.url });
  await reader.connect();
  try {
    const row = await reader.query<{ score: string }>(
      'SELECT total_score::text AS score FROM users WHERE wallet = $1',
      [wallet],
    );
    expect(row.rows[0]?.score).toBe('96');
  } finally {
    await reader.end();
  }
}, 240_000);
