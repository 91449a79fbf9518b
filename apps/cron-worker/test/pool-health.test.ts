// Locks in pool-health against gateways that misbehave: a task that does not answer within
// HEALTH_TIMEOUT_MS is reported unreachable and warned about, without failing the job, and a
// fleet with no healthy pool is logged as an error.
import { createDb } from '@pardon/db';
import { useTestDb } from '@pardon/test-env';
import { startHealthServer } from './support/seed';
import { runOnce, stderrText, stopAllWorkers } from './support/worker';

const getDb = useTestDb((url) => createDb({ writeUrl: url, writePoolSize: 3 }));
afterAll(stopAllWorkers);

describe('pool-health', () => {
  it('gives up on a gateway that hangs after HEALTH_TIMEOUT_MS and logs that no pool is healthy', async () => {
    const { db, database } = getDb();
    const hanging = await startHealthServer([], 'task-hang');
    hanging.setHold(true);
    const degraded = await startHealthServer(
      [
        {
          pool: 'pool-0',
          agentsConnected: ['cz'],
          missingAgents: ['sbf'],
          activeThreads: 2,
          capacity: 30,
        },
      ],
      'task-ok',
    );
    try {
      await db.gatewayTasks.heartbeat({ taskId: 'task-hang', baseUrl: hanging.baseUrl });
      await db.gatewayTasks.heartbeat({ taskId: 'task-ok', baseUrl: degraded.baseUrl });
      const startedAt = Date.now();
      const { code, result, proc } = await runOnce('pool-health', {
        DATABASE_URL: database.url,
        METRICS_SINK: 'off',
        HEALTH_TIMEOUT_MS: '500',
      });
      expect(code).toBe(0);
      expect(Date.now() - startedAt).toBeLessThan(20_000);
      expect(result).toMatchObject({
        liveTasks: 2,
        snapshots: 1,
        pools: { 'pool-0': 'degraded' },
        unreachableTasks: [{ taskId: 'task-hang', error: expect.any(String) }],
        summary: { noneHealthy: true },
      });
      expect(hanging.heldCount()).toBe(1);
      const logs = stderrText(proc)
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level: number; msg: string; taskId?: string });
      expect(logs).toContainEqual(
        expect.objectContaining({
          level: 40,
          taskId: 'task-hang',
          msg: 'pool-health: gateway task did not answer',
        }),
      );
      expect(logs).toContainEqual(
        expect.objectContaining({ level: 50, msg: 'pool-health: no pool is healthy' }),
      );
    } finally {
      await hanging.close();
      await degraded.close();
    }
  });
});
