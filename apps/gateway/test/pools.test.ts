// Locks in session assignment: a returning wallet lands on the same pool, a wallet whose home
// pool is full spills over to the next pool on the ring, every pool full is 503
// capacity_exhausted with Retry-After, and a pool missing agents is 503 session_not_ready naming
// them — without opening a session.
import { createHashRing } from '@pardon/pooling';
import { connectRoster, type TestAgent } from './support/agents';
import {
  agentSecretOf,
  createTestDb,
  startGateway,
  type TestDb,
  type TestGateway,
} from './support/gateway';
import { newWallet, request, signIn, type TestWallet } from './support/wallet';

const POOLS = ['pool-0', 'pool-1', 'pool-2'];

describe('session assignment', () => {
  let db: TestDb;
  let gw: TestGateway;
  let agents: TestAgent[] = [];
  const ring = createHashRing(POOLS);

  beforeAll(async () => {
    db = await createTestDb();
    gw = await startGateway(db.url, { POOL_COUNT: '3', POOL_CAPACITY: '1' });
    // pool-2 gets only one of the two required agents.
    agents = [
      ...(await connectRoster(gw.url, agentSecretOf, ['pool-0', 'pool-1'], ['agent-a', 'agent-b'])),
      ...(await connectRoster(gw.url, agentSecretOf, ['pool-2'], ['agent-a'])),
    ];
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await gw?.close();
    await db?.drop();
  });

  /** A new wallet whose home pool on the ring is `pool`. */
  function walletHomedAt(pool: string): TestWallet {
    for (;;) {
      const w = newWallet();
      if (ring.lookup(w.address) === pool) return w;
    }
  }

  async function player(wallet: TestWallet) {
    const token = await signIn(gw.url, wallet);
    return { token, session: () => request('POST', `${gw.url}/api/sessions`, { token }) };
  }

  const countSessions = async () =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions'))[0]!.n;

  it('names the missing agents with 503 session_not_ready and opens no session', async () => {
    const p = await player(walletHomedAt('pool-2'));
    const before = await countSessions();
    const r = await p.session();
    expect(r.status).toBe(503);
    expect(r.json).toMatchObject({
      error: 'session_not_ready',
      pool: 'pool-2',
      missingAgents: ['agent-b'],
    });
    expect(r.json.message).toContain('agent-b');
    expect(r.headers.get('retry-after')).toBeTruthy();
    expect(await countSessions()).toBe(before);
  });

  it('keeps a returning wallet on its pool and spills a newcomer over when the pool is full', async () => {
    const first = await player(walletHomedAt('pool-0'));
    const s1 = await first.session();
    expect(s1.json.pool).toBe('pool-0');
    // Returning: the same session and pool, again and again.
    for (let i = 0; i < 3; i++) expect((await first.session()).json).toEqual(s1.json);

    // One thread fills pool-0 (capacity 1).
    const t = await request('POST', `${gw.url}/api/threads`, {
      token: first.token,
      body: { agentId: 'agent-a' },
    });
    expect(t.status).toBe(201);

    // A newcomer at home on pool-0 whose next pool clockwise is pool-1.
    let newcomer = walletHomedAt('pool-0');
    while (ring.preferenceList(newcomer.address)[1] !== 'pool-1')
      newcomer = walletHomedAt('pool-0');
    const s2 = await (await player(newcomer)).session();
    expect(s2.status).toBe(200);
    expect(s2.json.pool).toBe('pool-1');
    // The first wallet keeps its pool even though pool-0 is now full.
    expect((await first.session()).json.pool).toBe('pool-0');
  });

  it('answers 503 capacity_exhausted with Retry-After when every pool is full', async () => {
    // Fill every pool with one thread each (pool-2 cannot take sessions, so fill it directly).
    for (const pool of ['pool-0', 'pool-1']) {
      const loads = await request('GET', `${gw.url}/health`);
      const p = loads.json.pools.find((x: { pool: string }) => x.pool === pool);
      if (p.activeThreads >= 1) continue;
      const w = await player(walletHomedAt(pool));
      const s = await w.session();
      expect(s.json.pool).toBe(pool);
      await request('POST', `${gw.url}/api/threads`, {
        token: w.token,
        body: { agentId: 'agent-b' },
      });
    }
    await db.query(
      `WITH u AS (INSERT INTO users (wallet) VALUES ($1) RETURNING wallet),
            s AS (INSERT INTO sessions (wallet, pool, task_id) SELECT wallet, 'pool-2', $2 FROM u RETURNING id)
       INSERT INTO threads (session_id, pool, agent_id) SELECT id, 'pool-2', 'agent-a' FROM s`,
      [newWallet().address, gw.config.taskId],
    );
    const late = await player(newWallet());
    const before = await countSessions();
    // pool-2's thread is in the database only (as another task's would be): the placement's
    // count of it may be up to COUNTS_TTL_MS old, so the refusal comes within that.
    const deadline = Date.now() + 5_000;
    let r = await late.session();
    while (r.json.error !== 'capacity_exhausted' && Date.now() < deadline) {
      expect(r.status).toBe(503);
      await new Promise((resolve) => setTimeout(resolve, 100));
      r = await late.session();
    }
    expect(r.status).toBe(503);
    expect(r.json.error).toBe('capacity_exhausted');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await countSessions()).toBe(before);
  });
});
