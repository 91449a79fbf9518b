// Locks in the lifecycle jobs against a running gateway process with real MCP agents: when the
// cron-worker expires a session or closes an idle thread in the database, the gateway hears it
// (LISTEN/NOTIFY) and closes the thread on its pool bus, so agents stop waiting on it; and
// pool-health reads the real gateway's /health through the task registry.
import { createDb } from '@pardon/db';
import { useTestDb } from '@pardon/test-env';
import { eventually } from '@pardon/topology';
import {
  GATEWAY_OPS_TOKEN,
  closedOnBus,
  connectAgents,
  playerThread,
  startGatewayProcess,
  type Agent,
  type GatewayProcess,
} from './support/gateway';
import { runOnce, stopAllWorkers } from './support/worker';

const MINUTE_MS = 60_000;
const getDb = useTestDb((url) => createDb({ writeUrl: url, writePoolSize: 3 }));
let gateway: GatewayProcess;
let agents: Agent[] = [];

beforeAll(async () => {
  gateway = await startGatewayProcess(getDb().database.url, 'task-gw');
  agents = await connectAgents(gateway.url);
}, 90_000);

afterAll(async () => {
  await stopAllWorkers();
  await Promise.all(agents.map((a) => a.close()));
  await gateway?.stop();
});

const agentFor = (pool: string, id: string) => {
  const agent = agents.find((a) => a.pool === pool && a.id === id);
  if (!agent) throw new Error(`no agent ${id} on ${pool}`);
  return agent;
};
const env = () => ({ DATABASE_URL: getDb().database.url, METRICS_SINK: 'off' });

describe('lifecycle jobs on a running gateway', () => {
  it('closes the bus thread of a session that session-cleanup expires, and only that one', async () => {
    const expiring = await playerThread(gateway.url, 'agent-b');
    const staying = await playerThread(gateway.url, 'agent-b');
    // The first player went quiet 60 min ago; the second 1 ms later than that.
    const now = Date.now();
    const { sql } = getDb();
    await sql.query('UPDATE sessions SET last_activity_at = $2 WHERE id = $1::uuid', [
      expiring.sessionId,
      new Date(now - 60 * MINUTE_MS),
    ]);
    await sql.query('UPDATE sessions SET last_activity_at = $2 WHERE id = $1::uuid', [
      staying.sessionId,
      new Date(now - 60 * MINUTE_MS + 1),
    ]);
    expect(await closedOnBus(agentFor(expiring.pool, 'agent-b'), expiring.threadId)).toBe(false);

    const { code, result } = await runOnce('session-cleanup', env(), [
      '--now',
      new Date(now).toISOString(),
    ]);
    expect(code).toBe(0);
    expect(result).toMatchObject({ expiredSessions: 1, closedThreads: 1, notifyFailed: false });

    await eventually(
      'the gateway to close the expired thread on its bus',
      async () =>
        (await closedOnBus(agentFor(expiring.pool, 'agent-b'), expiring.threadId))
          ? true
          : undefined,
      10_000,
      { diagnostics: () => gateway.output(), onError: 'fail' },
    );
    expect(await closedOnBus(agentFor(staying.pool, 'agent-b'), staying.threadId)).toBe(false);
  });

  it('closes an idle thread on the bus when thread-cleanup closes it in the database', async () => {
    const t = await playerThread(gateway.url, 'agent-a');
    await getDb().sql.query(
      'UPDATE threads SET last_message_at = $2, created_at = $2 WHERE id = $1::uuid',
      [t.threadId, new Date(Date.now() - 31 * MINUTE_MS)],
    );
    const { code, result } = await runOnce('thread-cleanup', env());
    expect(code).toBe(0);
    expect(result).toMatchObject({ closedIdle: 1 });
    await eventually(
      'the gateway to close the idle thread on its bus',
      async () => ((await closedOnBus(agentFor(t.pool, 'agent-a'), t.threadId)) ? true : undefined),
      10_000,
      { diagnostics: () => gateway.output(), onError: 'fail' },
    );
  });

  it('sweeps a bus thread that has no database row when thread-cleanup runs', async () => {
    const agent = agentFor('pool-0', 'agent-a');
    const created = await agent.tools.createThread({
      threadName: 'side chat',
      participantIds: ['agent-b'],
    });
    if (created.result !== 'create_thread_success') throw new Error(JSON.stringify(created));
    const orphanId = created.thread.id;
    expect(await closedOnBus(agent, orphanId)).toBe(false);
    const { code, result } = await runOnce('thread-cleanup', env());
    expect(code).toBe(0);
    expect(result).toMatchObject({ sweepRequested: true });
    await eventually(
      'the gateway to sweep the row-less thread off its bus',
      async () => ((await closedOnBus(agent, orphanId)) ? true : undefined),
      10_000,
      { diagnostics: () => gateway.output(), onError: 'fail' },
    );
  });

  it("reads the real gateway's /health through the task registry and records healthy pools", async () => {
    const { code, result } = await runOnce('pool-health', {
      ...env(),
      OPS_TOKEN: GATEWAY_OPS_TOKEN,
    });
    expect(code).toBe(0);
    expect(result).toMatchObject({
      liveTasks: 1,
      unreachableTasks: [],
      snapshots: 2,
      pools: { 'pool-0': 'healthy', 'pool-1': 'healthy' },
      summary: { noneHealthy: false },
    });
    const { rows } = await getDb().sql.query<{ pool: string; status: string; agents: number }>(
      `SELECT pool, status, agents_connected AS agents FROM pool_health_snapshots
       WHERE task_id = 'task-gw' ORDER BY pool`,
    );
    expect(rows).toEqual([
      { pool: 'pool-0', status: 'healthy', agents: 2 },
      { pool: 'pool-1', status: 'healthy', agents: 2 },
    ]);
  });

  it('without the ops token judges pools by ready alone (the gateway names no agents)', async () => {
    const { code, result } = await runOnce('pool-health', env());
    expect(code).toBe(0);
    expect(result).toMatchObject({
      unreachableTasks: [],
      pools: { 'pool-0': 'healthy', 'pool-1': 'healthy' },
    });
  });
});
