// Locks in the operations surface: /health per pool (200 only with the database up and a ready
// pool; which agents are connected only with the ops token), /metrics in Prometheus format (ops
// token only), and the cron endpoints: 401 without the bearer secret,
// disabled (404) when no secret is configured, and each job's effect on the database and on this
// task's buses (expired sessions and orphaned bus threads are closed, agents stop seeing them).
import { createHashRing } from '@pardon/pooling';
import { connectRoster, type TestAgent } from './support/agents';
import {
  agentSecretOf,
  CRON_SECRET,
  createTestDb,
  startGateway,
  type TestDb,
  type TestGateway,
} from './support/gateway';
import { newWallet, request, signIn } from './support/wallet';

const OPS_TOKEN = 'test-ops-token-0123456789';

describe('operations', () => {
  let db: TestDb;
  let gw: TestGateway;
  let agents: TestAgent[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    gw = await startGateway(db.url, {
      POOL_COUNT: '2',
      PUBLIC_URL: 'http://task.example:5555',
      OPS_TOKEN,
    });
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await gw?.close();
    await db?.drop();
  });

  it('reports 503 until a pool is ready, then 200 with per-pool detail', async () => {
    const down = await request('GET', `${gw.url}/health`, { token: OPS_TOKEN });
    expect(down.status).toBe(503);
    expect(down.json.database).toBe('up');
    expect(down.json.pools[0]).toEqual({
      pool: 'pool-0',
      ready: false,
      agentsConnected: [],
      missingAgents: ['agent-a', 'agent-b'],
      activeThreads: 0,
      heldThreads: 0,
      capacity: 30,
    });
    agents = await connectRoster(gw.url, agentSecretOf, ['pool-0'], ['agent-a', 'agent-b']);
    const up = await request('GET', `${gw.url}/health`, { token: OPS_TOKEN });
    expect(up.status).toBe(200);
    expect(up.json.pools.map((p: { ready: boolean }) => p.ready)).toEqual([true, false]);
    expect(up.json.pools[0].agentsConnected).toEqual(['agent-a', 'agent-b']);
  });

  it('shows no agent detail on /health and refuses /metrics without the ops token', async () => {
    for (const token of [undefined, 'x'.repeat(OPS_TOKEN.length)]) {
      const health = await request('GET', `${gw.url}/health`, { token });
      expect(health.status).toBe(200);
      expect(Object.keys(health.json).sort()).toEqual(['database', 'pools', 'status', 'taskId']);
      expect(health.json.pools).toEqual([
        { pool: 'pool-0', ready: true, activeThreads: 0, capacity: 30 },
        { pool: 'pool-1', ready: false, activeThreads: 0, capacity: 30 },
      ]);
      const metrics = await request('GET', `${gw.url}/metrics`, { token });
      expect(metrics.status).toBe(401);
      expect(metrics.json).toEqual({ error: 'unauthorized', message: expect.any(String) });
    }
  });

  it('registers the task in the database with its public URL', async () => {
    const rows = await db.query<{ task_id: string; base_url: string }>(
      'SELECT task_id, base_url FROM gateway_tasks',
    );
    expect(rows).toEqual([{ task_id: gw.config.taskId, base_url: 'http://task.example:5555' }]);
  });

  it('serves Prometheus metrics with per-pool gauges and latency histograms', async () => {
    const res = await fetch(`${gw.url}/metrics`, {
      headers: { authorization: `Bearer ${OPS_TOKEN}` },
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toMatch(/gateway_pool_agents_connected\{pool="pool-0"\} 2/);
    expect(text).toMatch(/gateway_pool_ready\{pool="pool-1"\} 0/);
    expect(text).toContain('gateway_http_request_duration_seconds_bucket');
    expect(text).toContain('gateway_agent_reply_latency_seconds');
  });

  it('refuses cron jobs without the bearer secret', async () => {
    for (const job of ['session-cleanup', 'thread-cleanup', 'pool-health']) {
      const none = await request('POST', `${gw.url}/api/cron/${job}`);
      expect(none.status).toBe(401);
      const wrong = await request('POST', `${gw.url}/api/cron/${job}`, {
        token: 'x'.repeat(CRON_SECRET.length),
      });
      expect(wrong.status).toBe(401);
      expect(wrong.json.error).toBe('unauthorized');
    }
    expect(await db.query('SELECT * FROM pool_health_snapshots')).toEqual([]);
  });

  it('expires idle sessions and closes their threads in the database and on the bus', async () => {
    // Only pool-0 has its agents: take a wallet whose home is pool-0.
    const ring = createHashRing(['pool-0', 'pool-1']);
    let wallet = newWallet();
    while (ring.lookup(wallet.address) !== 'pool-0') wallet = newWallet();
    const token = await signIn(gw.url, wallet);
    const s = await request('POST', `${gw.url}/api/sessions`, { token });
    expect(s.json.pool).toBe('pool-0');
    const t = await request('POST', `${gw.url}/api/threads`, {
      token,
      body: { agentId: 'agent-a' },
    });
    expect(t.status).toBe(201);
    await db.query(
      `UPDATE sessions SET last_activity_at = now() - interval '61 minutes' WHERE id = $1`,
      [s.json.sessionId],
    );

    const r = await request('POST', `${gw.url}/api/cron/session-cleanup`, { token: CRON_SECRET });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      job: 'session-cleanup',
      expiredSessions: 1,
      closedThreads: 1,
      busThreadsClosed: 1,
      notifications: 1,
    });
    const [row] = await db.query<{ closed: boolean }>(
      'SELECT closed_at IS NOT NULL AS closed FROM threads WHERE id = $1',
      [t.json.threadId],
    );
    expect(row?.closed).toBe(true);
    // The agent sees the thread closed on the bus.
    const sent = await agents[0]!.tools.sendMessage({
      threadId: t.json.threadId,
      content: 'hello?',
      mentions: [],
    });
    expect(sent).toMatchObject({ result: 'error' });
    const again = await request('POST', `${gw.url}/api/cron/session-cleanup`, {
      token: CRON_SECRET,
    });
    expect(again.json.expiredSessions).toBe(0);
  });

  it('closes orphaned bus threads (no database row) in thread-cleanup', async () => {
    const a = agents[0]!;
    const created = await a.tools.createThread({
      threadName: 'side chat',
      participantIds: ['agent-b'],
    });
    if (created.result !== 'create_thread_success') throw new Error(JSON.stringify(created));
    const r = await request('POST', `${gw.url}/api/cron/thread-cleanup`, { token: CRON_SECRET });
    expect(r.status).toBe(200);
    // The run also asks every task to sweep (NOTIFY), so this task's own sweep may race it for
    // the count; what matters is that the thread is closed when the call returns.
    expect(r.json).toMatchObject({ job: 'thread-cleanup', orphansClosed: expect.any(Number) });
    const sent = await a.tools.sendMessage({
      threadId: created.thread.id,
      content: 'x',
      mentions: [],
    });
    expect(sent).toMatchObject({ result: 'error', code: 'thread_closed' });
  });

  it('records pool health snapshots', async () => {
    const r = await request('POST', `${gw.url}/api/cron/pool-health`, { token: CRON_SECRET });
    expect(r.status).toBe(200);
    expect(r.json.snapshots).toBe(2);
    expect(r.json.pools.map((p: { status: string }) => p.status)).toEqual(['healthy', 'unhealthy']);
    const rows = await db.query<{ pool: string; status: string }>(
      'SELECT pool, status FROM pool_health_snapshots ORDER BY pool',
    );
    expect(rows).toEqual([
      { pool: 'pool-0', status: 'healthy' },
      { pool: 'pool-1', status: 'unhealthy' },
    ]);
  });

  it('disables the cron endpoints when no secret is configured', async () => {
    const other = await startGateway(db.url, { CRON_SECRET: undefined, TASK_ID: 'no-cron' });
    try {
      const r = await request('POST', `${other.url}/api/cron/session-cleanup`, {
        token: CRON_SECRET,
      });
      expect(r.status).toBe(404);
      expect(r.json.error).toBe('cron_disabled');
    } finally {
      await other.close();
    }
  });
});
