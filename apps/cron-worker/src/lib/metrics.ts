import {
  CloudWatchClient,
  PutMetricDataCommand,
  type StandardUnit,
} from '@aws-sdk/client-cloudwatch';
import type { ActiveCounts, GameIntervalTotals, PaymentVolume } from '@pardon/db';
import type { PoolHealthStatus } from '@pardon/lifecycle';

/** One data point, independent of where it is sent. */
export interface Metric {
  name:
    | 'ActiveThreads'
    | 'ActiveSessions'
    | 'PoolHealthy'
    | 'PaymentVolume'
    | 'PointsAwarded'
    | 'PardonsGranted';
  unit: StandardUnit;
  value: number;
  dimensions: Record<string, string>;
}

export interface MetricsInput {
  counts: ActiveCounts;
  pools: Record<string, PoolHealthStatus>;
  payments: PaymentVolume[];
  /** Currencies reported even without payments, so the series has no gaps. */
  currencies: readonly string[];
  /** The game's evaluations over the interval just ended; without it no game metric is sent. */
  game?: Pick<GameIntervalTotals, 'pointsAwarded' | 'pardonsGranted'>;
}

/**
 * The span the interval metrics (PaymentVolume, PointsAwarded, PardonsGranted) cover: from where
 * the last published span ended, so a tick that runs late or is skipped (a run still busy) loses
 * nothing and counts nothing twice; one interval back on a worker's first run (or after a gap
 * longer than `maxMs`, e.g. a long outage, which is then cut to the last interval).
 */
export function metricsWindow(
  lastEnd: number | undefined,
  now: number,
  intervalMs: number,
  maxMs = 10 * intervalMs,
): { from: number; to: number } {
  const contiguous = lastEnd !== undefined && lastEnd < now && now - lastEnd <= maxMs;
  return { from: contiguous ? lastEnd : now - intervalMs, to: now };
}

/**
 * The custom metrics of DESIGN.md §7: `ActiveThreads` and `ActiveSessions` per (Pool, TaskId),
 * `PoolHealthy` 1/0 per Pool, and `PaymentVolume` (in tokens) per mint — the `Currency` dimension —
 * over the interval just ended; and
 * the game's `PointsAwarded` (positive points) and `PardonsGranted` over the same interval, with
 * no dimension (0 when nothing happened, so the series has no gaps).
 */
export function buildMetrics(input: MetricsInput): Metric[] {
  const metrics: Metric[] = [];
  for (const c of input.counts.tasks) {
    const dimensions = { Pool: c.pool, TaskId: c.taskId };
    metrics.push({ name: 'ActiveThreads', unit: 'Count', value: c.activeThreads, dimensions });
    metrics.push({ name: 'ActiveSessions', unit: 'Count', value: c.activeSessions, dimensions });
  }
  for (const [pool, status] of Object.entries(input.pools).sort(([a], [b]) => a.localeCompare(b))) {
    metrics.push({
      name: 'PoolHealthy',
      unit: 'None',
      value: status === 'healthy' ? 1 : 0,
      dimensions: { Pool: pool },
    });
  }
  // Per mint (the token paid); payments recorded without one keep their currency's name.
  const totals = new Map<string, number>(input.currencies.map((c) => [c, 0]));
  for (const p of input.payments) {
    const key = p.mint ?? p.currency;
    totals.set(key, (totals.get(key) ?? 0) + Number(p.total.toString()));
  }
  for (const [currency, value] of totals) {
    metrics.push({
      name: 'PaymentVolume',
      unit: 'None',
      value,
      dimensions: { Currency: currency },
    });
  }
  if (input.game) {
    metrics.push({
      name: 'PointsAwarded',
      unit: 'None',
      value: input.game.pointsAwarded,
      dimensions: {},
    });
    metrics.push({
      name: 'PardonsGranted',
      unit: 'Count',
      value: input.game.pardonsGranted,
      dimensions: {},
    });
  }
  return metrics;
}

export interface MetricsSink {
  readonly kind: 'cloudwatch' | 'emf' | 'off';
  publish(metrics: Metric[], timestamp: Date): Promise<void>;
  close(): void;
}

// PutMetricData takes up to 1,000 data points per call; stay well below.
const PUT_BATCH = 500;

/** PutMetricData to CloudWatch (or to the emulator at `endpoint`). */
export function cloudWatchSink(options: {
  namespace: string;
  region: string | undefined;
  endpoint: string | undefined;
}): MetricsSink {
  const client = new CloudWatchClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  return {
    kind: 'cloudwatch',
    publish: async (metrics, timestamp) => {
      for (let i = 0; i < metrics.length; i += PUT_BATCH) {
        await client.send(
          new PutMetricDataCommand({
            Namespace: options.namespace,
            MetricData: metrics.slice(i, i + PUT_BATCH).map((m) => ({
              MetricName: m.name,
              Unit: m.unit,
              Value: m.value,
              Timestamp: timestamp,
              Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })),
            })),
          }),
        );
      }
    },
    close: () => client.destroy(),
  };
}

/**
 * CloudWatch Embedded Metric Format: one JSON line per data point on `write` (stdout), which the
 * ECS awslogs driver (or the CloudWatch agent) turns into the same metrics without any AWS call.
 */
export function emfSink(options: {
  namespace: string;
  write: (line: string) => void;
}): MetricsSink {
  return {
    kind: 'emf',
    publish: async (metrics, timestamp) => {
      for (const m of metrics) {
        const line = {
          _aws: {
            Timestamp: timestamp.getTime(),
            CloudWatchMetrics: [
              {
                Namespace: options.namespace,
                Dimensions: [Object.keys(m.dimensions)],
                Metrics: [{ Name: m.name, Unit: m.unit }],
              },
            ],
          },
          ...m.dimensions,
          [m.name]: m.value,
        };
        options.write(JSON.stringify(line));
      }
    },
    close: () => undefined,
  };
}

export function offSink(): MetricsSink {
  return { kind: 'off', publish: async () => undefined, close: () => undefined };
}
