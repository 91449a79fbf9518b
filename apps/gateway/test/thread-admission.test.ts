// Locks in thread admission that cannot be gamed (issue 16, item 2): a wallet holds at most
// MAX_OPEN_THREADS_PER_WALLET open threads (default: one per agent of the roster), a thread is
// admitted only on a pool below capacity (else 503 capacity_exhausted with Retry-After), and
// concurrent requests from many wallets never push a pool past its capacity. Refusals are JSON
// errors that leave the database as it was.
import { eventually } from '@pardon/topology';
import { useGateway } from './support/fixture';
import { newWallet, request, signIn } from './support/wallet';

const CAPACITY = 10;
const ROSTER = ['agent-a', 'agent-b'];

describe('thread admission', () => {
  // A quick reconcile, so that threads this file closes in the database leave the buses too.
  const f = useGateway({
    POOL_CAPACITY: String(CAPACITY),
    POOL_COUNT: '2',
    RECONCILE_INTERVAL_MS: '100',
  });

  /** A signed-in player with a session. */
  async function player(): Promise<{ token: string; pool: string }> {
    const token = await signIn(f.gw.url, newWallet());
    const session = await request('POST', `${f.gw.url}/api/sessions`, { token });
    expect(session.status).toBe(200);
    return { token, pool: String(session.json.pool) };
  }

  const openThread = (token: string, agentId: string) =>
    request('POST', `${f.gw.url}/api/threads`, { token, body: { agentId } });

  async function openThreadsPerPool(): Promise<Record<string, number>> {
    const rows = await f.db.query<{ pool: string; n: string }>(
      'SELECT pool, count(*) AS n FROM threads WHERE closed_at IS NULL GROUP BY pool',
    );
    return Object.fromEntries(rows.map((r) => [r.pool, Number(r.n)]));
  }

  async function closeEverything(): Promise<void> {
    await f.db.query(`UPDATE threads SET closed_at = now(), close_reason = 'test'`);
    await f.db.query(`UPDATE sessions SET ended_at = now(), end_reason = 'test'`);
    // Admission counts the bus's open threads too: wait until reconcile has closed them there,
    // or the next test sees pools fuller than the database says.
    await eventually(
      'the buses to drop the threads closed in the database',
      async () => {
        const health = await request('GET', `${f.gw.url}/health`);
        const pools = health.json.pools as Array<{ activeThreads: number }>;
        return pools.every((p) => p.activeThreads === 0) ? true : undefined;
      },
      10_000,
    );
  }

  afterEach(closeEverything);

  it('refuses a thread beyond the wallet cap with 429 too_many_threads and stores nothing', async () => {
    const { token } = await player();
    expect((await openThread(token, 'agent-a')).status).toBe(201);
    expect((await openThread(token, 'agent-b')).status).toBe(201);
    const before = await f.db.query('SELECT id FROM threads ORDER BY id');

    const refused = await openThread(token, 'agent-a');
    expect(refused.status).toBe(429);
    expect(refused.json).toEqual({
      error: 'too_many_threads',
      message: expect.stringContaining('2 open threads'),
    });
    expect(await f.db.query('SELECT id FROM threads ORDER BY id')).toEqual(before);

    // Closing one frees a place.
    const threads = await request('GET', `${f.gw.url}/api/threads`, { token });
    const first = threads.json.threads[0].threadId as string;
    expect((await request('DELETE', `${f.gw.url}/api/threads/${first}`, { token })).status).toBe(
      200,
    );
    expect((await openThread(token, 'agent-a')).status).toBe(201);
  });

  it('a few wallets opening many threads at once cannot lock a new player out', async () => {
    // The attack, scaled to 2 pools of 10: 4 free wallets each fire 8 thread requests.
    const attackers = await Promise.all(Array.from({ length: 4 }, () => player()));
    const results = await Promise.all(
      attackers.flatMap((a) =>
        Array.from({ length: 8 }, (_, i) => openThread(a.token, ROSTER[i % 2] as string)),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(4 * ROSTER.length);
    expect(new Set(statuses.filter((s) => s !== 201))).toEqual(new Set([429]));
    for (const load of Object.values(await openThreadsPerPool())) {
      expect(load).toBeLessThanOrEqual(CAPACITY);
    }

    const newcomer = await player();
    expect((await openThread(newcomer.token, 'agent-a')).status).toBe(201);
  });

  it('concurrent threads of many wallets never push a pool past its capacity', async () => {
    const players = await Promise.all(Array.from({ length: 15 }, () => player()));
    const results = await Promise.all(
      players.flatMap((p) => ROSTER.map((agentId) => openThread(p.token, agentId))),
    );
    const loads = await openThreadsPerPool();
    for (const load of Object.values(loads)) expect(load).toBeLessThanOrEqual(CAPACITY);
    const admitted = results.filter((r) => r.status === 201);
    expect(admitted.length).toBe(Object.values(loads).reduce((a, b) => a + b, 0));
    const refused = results.filter((r) => r.status !== 201);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.status).toBe(503);
      expect(r.json.error).toBe('capacity_exhausted');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      // Refused only on a pool that really is full.
      expect(loads[String(/Pool (\S+) is full/.exec(r.json.message)?.[1])]).toBe(CAPACITY);
    }
  });
});
