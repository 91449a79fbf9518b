// Locks in the custom metrics of DESIGN.md §7 as pool-health publishes them: PutMetricData to the
// AWS emulator (read back with ListMetrics/GetMetricData: names, dimensions, values) and, with no
// AWS configured, the same data points as CloudWatch Embedded Metric Format lines on stdout. The
// game's PointsAwarded and PardonsGranted count the evaluations of the interval just ended.
import {
  CloudWatchClient,
  GetMetricDataCommand,
  ListMetricsCommand,
  type Dimension,
} from '@aws-sdk/client-cloudwatch';
import { createDb } from '@pardon/db';
import { testWallet } from '@pardon/db/testing';
import { awsEmulatorEnv, startAwsEmulator, useTestDb, type AwsEmulator } from '@pardon/test-env';
import { seedEvaluation, seedSession, startHealthServer } from './support/seed';
import { runOnce, stderrText, stopAllWorkers } from './support/worker';

const MINUTE_MS = 60_000;
const getDb = useTestDb((url) => createDb({ writeUrl: url, writePoolSize: 3 }));
// Whole minute, so one 60 s period of GetMetricData holds each data point.
const NOW = new Date(Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 5 * MINUTE_MS);

let emulator: AwsEmulator;
let gatewayA: Awaited<ReturnType<typeof startHealthServer>>;
let gatewayB: Awaited<ReturnType<typeof startHealthServer>>;

beforeAll(async () => {
  emulator = await startAwsEmulator();
  const { db, sql } = getDb();
  // task-a: pool-0 healthy, pool-1 has lost every agent; task-b: pool-0 healthy.
  gatewayA = await startHealthServer(
    [
      {
        pool: 'pool-0',
        agentsConnected: ['cz', 'sbf'],
        missingAgents: [],
        activeThreads: 3,
        capacity: 30,
      },
      {
        pool: 'pool-1',
        agentsConnected: [],
        missingAgents: ['cz', 'sbf'],
        activeThreads: 1,
        capacity: 30,
      },
    ],
    'task-a',
  );
  gatewayB = await startHealthServer(
    [
      {
        pool: 'pool-0',
        agentsConnected: ['cz', 'sbf'],
        missingAgents: [],
        activeThreads: 1,
        capacity: 30,
      },
    ],
    'task-b',
  );
  await db.gatewayTasks.heartbeat({ taskId: 'task-a', baseUrl: gatewayA.baseUrl, at: NOW });
  await db.gatewayTasks.heartbeat({ taskId: 'task-b', baseUrl: gatewayB.baseUrl, at: NOW });

  const recent = new Date(NOW.getTime() - MINUTE_MS);
  await seedSession(db, sql, {
    lastActivityAt: recent,
    pool: 'pool-0',
    taskId: 'task-a',
    threads: 2,
  });
  await seedSession(db, sql, {
    lastActivityAt: recent,
    pool: 'pool-0',
    taskId: 'task-a',
    threads: 1,
  });
  await seedSession(db, sql, {
    lastActivityAt: recent,
    pool: 'pool-1',
    taskId: 'task-a',
    threads: 1,
  });
  await seedSession(db, sql, {
    lastActivityAt: recent,
    pool: 'pool-0',
    taskId: 'task-b',
    threads: 1,
  });

  // Verified payments inside the 5 min window count; one before it and one unverified do not.
  const payments = [
    { amount: '2.5', minutesAgo: 1, verified: true },
    { amount: '1.25', minutesAgo: 4, verified: true },
    { amount: '100', minutesAgo: 6, verified: true },
    { amount: '7', minutesAgo: 2, verified: false },
  ];
  for (const [i, p] of payments.entries()) {
    const { payment } = await db.payments.record({
      signature: `sig-${i}`,
      fromWallet: testWallet(i + 1),
      toAgent: 'cz',
      amount: p.amount,
      currency: 'USDC',
      serviceType: 'pardon',
      verified: p.verified,
    });
    await sql.query('UPDATE payments SET created_at = $2 WHERE id = $1::uuid', [
      payment.id,
      new Date(NOW.getTime() - p.minutesAgo * MINUTE_MS),
    ]);
  }

  // Evaluations inside [NOW − 5 min, NOW): positive points add up (2 + 1.5 = 3.5; the penalty is
  // left out), one granted a pardon. One at NOW and one 6 min before belong to other intervals.
  const evaluations = [
    { points: '2', minutesAgo: 1, pardon: false },
    { points: '1.5', minutesAgo: 2, pardon: true },
    { points: '-2', minutesAgo: 3, pardon: false },
    { points: '3', minutesAgo: 0, pardon: false },
    { points: '4', minutesAgo: 6, pardon: true },
  ];
  for (const e of evaluations) {
    await seedEvaluation(db, sql, {
      at: new Date(NOW.getTime() - e.minutesAgo * MINUTE_MS),
      points: e.points,
      pardonGranted: e.pardon,
    });
  }
}, 120_000);

afterAll(async () => {
  await stopAllWorkers();
  await gatewayA?.close();
  await gatewayB?.close();
  await emulator?.stop();
});

const env = () => ({
  DATABASE_URL: getDb().database.url,
  POOL_HEALTH_SCHEDULE: '*/5 * * * *',
});

const key = (dimensions: Dimension[] | undefined) =>
  (dimensions ?? [])
    .map((d) => `${d.Name}=${d.Value}`)
    .sort()
    .join(',');

describe('custom metrics', () => {
  it('publishes ActiveThreads, ActiveSessions, PoolHealthy, PaymentVolume, PointsAwarded and PardonsGranted to the emulator', async () => {
    const { code, result, proc } = await runOnce(
      'pool-health',
      { ...env(), ...awsEmulatorEnv(emulator) },
      ['--now', NOW.toISOString()],
    );
    expect({ code, stderr: code === 0 ? '' : stderrText(proc) }).toEqual({ code: 0, stderr: '' });
    expect(result).toMatchObject({
      job: 'pool-health',
      liveTasks: 2,
      snapshots: 3,
      pools: { 'pool-0': 'healthy', 'pool-1': 'unhealthy' },
      metrics: { sink: 'cloudwatch', published: 11 },
    });
    // An unhealthy pool is a warning (pino level 40), naming pool and task.
    expect(stderrText(proc)).toMatch(/"level":40.*"pool":"pool-1".*"taskId":"task-a"/);

    const cw = new CloudWatchClient({
      endpoint: emulator.endpoint,
      region: emulator.region,
      credentials: emulator.credentials,
    });
    try {
      const listed = await cw.send(new ListMetricsCommand({ Namespace: 'PardonSimulator' }));
      const names = (listed.Metrics ?? [])
        .map((m) => `${m.MetricName}[${key(m.Dimensions)}]`)
        .sort();
      expect(names).toEqual([
        'ActiveSessions[Pool=pool-0,TaskId=task-a]',
        'ActiveSessions[Pool=pool-0,TaskId=task-b]',
        'ActiveSessions[Pool=pool-1,TaskId=task-a]',
        'ActiveThreads[Pool=pool-0,TaskId=task-a]',
        'ActiveThreads[Pool=pool-0,TaskId=task-b]',
        'ActiveThreads[Pool=pool-1,TaskId=task-a]',
        'PardonsGranted[]',
        'PaymentVolume[Currency=USDC]',
        'PointsAwarded[]',
        'PoolHealthy[Pool=pool-0]',
        'PoolHealthy[Pool=pool-1]',
      ]);

      const queries = (listed.Metrics ?? []).map((m, i) => ({
        Id: `m${i}`,
        Label: `${m.MetricName}[${key(m.Dimensions)}]`,
        MetricStat: {
          Metric: {
            Namespace: 'PardonSimulator',
            MetricName: m.MetricName,
            Dimensions: m.Dimensions,
          },
          Period: 60,
          Stat: 'Sum',
        },
      }));
      const data = await cw.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: new Date(NOW.getTime() - MINUTE_MS),
          EndTime: new Date(NOW.getTime() + MINUTE_MS),
        }),
      );
      const labelOf = new Map(queries.map((q) => [q.Id, q.Label]));
      const values = Object.fromEntries(
        (data.MetricDataResults ?? []).map((r) => [labelOf.get(r.Id ?? ''), r.Values]),
      );
      expect(values).toEqual({
        'ActiveSessions[Pool=pool-0,TaskId=task-a]': [2],
        'ActiveSessions[Pool=pool-0,TaskId=task-b]': [1],
        'ActiveSessions[Pool=pool-1,TaskId=task-a]': [1],
        'ActiveThreads[Pool=pool-0,TaskId=task-a]': [3],
        'ActiveThreads[Pool=pool-0,TaskId=task-b]': [1],
        'ActiveThreads[Pool=pool-1,TaskId=task-a]': [1],
        'PardonsGranted[]': [1],
        'PaymentVolume[Currency=USDC]': [3.75],
        'PointsAwarded[]': [3.5],
        'PoolHealthy[Pool=pool-0]': [1],
        'PoolHealthy[Pool=pool-1]': [0],
      });
    } finally {
      cw.destroy();
    }
  });

  it('prints the same metrics as Embedded Metric Format lines when no AWS is configured', async () => {
    const { code, result, proc } = await runOnce('pool-health', env(), [
      '--now',
      NOW.toISOString(),
    ]);
    expect(code).toBe(0);
    expect(result).toMatchObject({ metrics: { sink: 'emf', published: 11 } });
    const lines = proc
      .lines('stdout')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => '_aws' in l);
    expect(lines).toHaveLength(11);
    const volume = lines.find((l) => 'PaymentVolume' in l);
    expect(volume).toEqual({
      _aws: {
        Timestamp: NOW.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: 'PardonSimulator',
            Dimensions: [['Currency']],
            Metrics: [{ Name: 'PaymentVolume', Unit: 'None' }],
          },
        ],
      },
      Currency: 'USDC',
      PaymentVolume: 3.75,
    });
    const threads = lines
      .filter((l) => 'ActiveThreads' in l)
      .map((l) => [l['Pool'], l['TaskId'], l['ActiveThreads']]);
    expect(threads).toEqual([
      ['pool-0', 'task-a', 3],
      ['pool-0', 'task-b', 1],
      ['pool-1', 'task-a', 1],
    ]);
    const game = lines.filter((l) => 'PointsAwarded' in l || 'PardonsGranted' in l);
    expect(game).toEqual([
      {
        _aws: {
          Timestamp: NOW.getTime(),
          CloudWatchMetrics: [
            {
              Namespace: 'PardonSimulator',
              Dimensions: [[]],
              Metrics: [{ Name: 'PointsAwarded', Unit: 'None' }],
            },
          ],
        },
        PointsAwarded: 3.5,
      },
      {
        _aws: {
          Timestamp: NOW.getTime(),
          CloudWatchMetrics: [
            {
              Namespace: 'PardonSimulator',
              Dimensions: [[]],
              Metrics: [{ Name: 'PardonsGranted', Unit: 'Count' }],
            },
          ],
        },
        PardonsGranted: 1,
      },
    ]);
    const healthy = lines
      .filter((l) => 'PoolHealthy' in l)
      .map((l) => [l['Pool'], l['PoolHealthy']]);
    expect(healthy).toEqual([
      ['pool-0', 1],
      ['pool-1', 0],
    ]);
  });
});
