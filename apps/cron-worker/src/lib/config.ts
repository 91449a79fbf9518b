import { hostname } from 'node:os';
import { Cron } from 'croner';
import {
  JOB_NAMES,
  cronOptions,
  parseDurationMs,
  parseSchedule,
  type JobName,
  type JobSchedule,
  type LifecycleSettings,
} from '@pardon/lifecycle';
import { GameEnvSchema, type GameRules } from '@pardon/game';
import { parsePaymentEnv, type PaymentConfig } from '@pardon/payments';
import { z } from 'zod';

/**
 * The worker's jobs: libs/lifecycle's three, the game's weekly-close and the payments'
 * payment-reconcile (scheduled, led and run by hand the same way).
 */
export const WORKER_JOB_NAMES = [...JOB_NAMES, 'weekly-close', 'payment-reconcile'] as const;
export type WorkerJobName = (typeof WORKER_JOB_NAMES)[number];

/** Environment variable holding each job's schedule. */
export const SCHEDULE_ENV: Record<WorkerJobName, string> = {
  'session-cleanup': 'SESSION_CLEANUP_SCHEDULE',
  'thread-cleanup': 'THREAD_CLEANUP_SCHEDULE',
  'pool-health': 'POOL_HEALTH_SCHEDULE',
  'weekly-close': 'WEEKLY_CLOSE_SCHEDULE',
  'payment-reconcile': 'PAYMENT_RECONCILE_SCHEDULE',
};

// weekly-close runs every 10 minutes all week: closing an already closed week is one locked
// lookup, so the week is closed at most 10 minutes after it ends whatever GAME_WEEK_START says,
// and a failed close is retried on the next tick.
const DEFAULT_SCHEDULES: Record<WorkerJobName, string> = {
  'session-cleanup': '*/15 * * * *',
  'thread-cleanup': '*/30 * * * *',
  'pool-health': '*/5 * * * *',
  'weekly-close': '*/10 * * * *',
  // A player who paid and lost the page waits at most a minute for the settlement.
  'payment-reconcile': '* * * * *',
};

// Six fields (with seconds) are accepted on top of libs/lifecycle's five-field cron and minute
// intervals, so that integration tests and local runs can tick every second.
const SAMPLE_RUNS = 32;
function scheduleFromText(text: string): JobSchedule {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 6) return parseSchedule(text);
  const cron = fields.join(' ');
  let runs: Date[];
  try {
    runs = new Cron(cron, cronOptions()).nextRuns(SAMPLE_RUNS, new Date(Date.UTC(2024, 0, 1)));
  } catch (error) {
    throw new Error(`cron expression "${cron}" is invalid: ${(error as Error).message}`);
  }
  if (runs.length < 2) throw new Error(`cron expression "${cron}" never fires`);
  let intervalMs = 0;
  for (let i = 1; i < runs.length; i++) {
    intervalMs = Math.max(
      intervalMs,
      (runs[i] as Date).getTime() - (runs[i - 1] as Date).getTime(),
    );
  }
  return { cron, intervalMs };
}

const Schedule = (job: WorkerJobName) =>
  z
    .string()
    .default(DEFAULT_SCHEDULES[job])
    .transform((value, ctx) => {
      try {
        return scheduleFromText(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    });

const Duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDurationMs(value.trim());
      if (ms !== null && Number.isSafeInteger(ms) && ms > 0) return ms;
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration like "60m", "30s" or ms, got "${value}"`,
      });
      return z.NEVER;
    });

const PositiveInt = (fallback: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

/** Every variable the cron-worker reads, parsed once at start. */
export const EnvSchema = z.object({
  DATABASE_URL: z
    .string({ error: 'DATABASE_URL is required (postgresql://user:pass@host:5432/db)' })
    .trim()
    .regex(/^postgres(?:ql)?:\/\//, 'must be a postgres:// or postgresql:// URL'),
  SESSION_CLEANUP_SCHEDULE: Schedule('session-cleanup'),
  THREAD_CLEANUP_SCHEDULE: Schedule('thread-cleanup'),
  POOL_HEALTH_SCHEDULE: Schedule('pool-health'),
  WEEKLY_CLOSE_SCHEDULE: Schedule('weekly-close'),
  PAYMENT_RECONCILE_SCHEDULE: Schedule('payment-reconcile'),
  SESSION_IDLE: Duration('60m'),
  THREAD_IDLE: Duration('30m'),
  POOL_LOAD_THRESHOLD: z.coerce.number().gt(0).lte(1).default(0.9),
  CLEANUP_BATCH_SIZE: PositiveInt(1000, 100_000),
  HEALTH_TIMEOUT_MS: PositiveInt(3000, 60_000),
  /** The gateways' OPS_TOKEN: /health then names each pool's agents (without it: ready only). */
  OPS_TOKEN: z.string().min(1).optional(),
  GATEWAY_LIVE_WINDOW_MS: PositiveInt(90_000, 24 * 3_600_000),
  SHUTDOWN_GRACE_MS: PositiveInt(20_000, 600_000),
  METRICS_SINK: z.enum(['auto', 'cloudwatch', 'emf', 'off']).default('auto'),
  METRICS_NAMESPACE: z.string().min(1).default('PardonSimulator'),
  // Default: the configured payment mint (none while payments are off).
  PAYMENT_CURRENCIES: z
    .string()
    .optional()
    .transform((v) =>
      v === undefined
        ? undefined
        : v
            .split(',')
            .map((c) => c.trim())
            .filter((c) => c !== ''),
    ),
  AWS_ENDPOINT_URL: z.url({ error: 'must be a URL such as http://127.0.0.1:5000' }).optional(),
  AWS_REGION: z.string().min(1).optional(),
  AWS_DEFAULT_REGION: z.string().min(1).optional(),
  WORKER_ID: z.string().min(1).default(`${hostname()}:${process.pid}`),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // The game's rules, as the gateway reads them: both must agree on the week and the pool.
});

export interface WorkerConfig {
  databaseUrl: string;
  settings: LifecycleSettings;
  /** Every job's schedule, weekly-close's included (the lifecycle three also in `settings`). */
  schedules: Record<WorkerJobName, JobSchedule>;
  /** The game's rules weekly-close closes weeks by (GAME_* variables, as the gateway's). */
  gameRules: GameRules;
  /** Premium payments (PAYMENT_*, SOLANA_*, as the gateway's): what payment-reconcile checks. */
  payments: PaymentConfig;
  batchSize: number;
  healthTimeoutMs: number;
  /** Bearer for the per-agent detail of the gateways' /health. */
  opsToken: string | undefined;
  gatewayLiveWindowMs: number;
  shutdownGraceMs: number;
  metrics: {
    /** Where metrics go: PutMetricData, EMF lines on stdout, or nowhere. */
    sink: 'cloudwatch' | 'emf' | 'off';
    namespace: string;
    region: string | undefined;
    endpoint: string | undefined;
    /** Mints (or currencies) always reported (0 when no payment), so the series has no gaps. */
    currencies: string[];
  };
  workerId: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
}

/** Configuration errors, one line per bad or missing variable. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws {@link ConfigError} naming every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = EnvSchema.safeParse(present);
  // The game's settings are libs/game's, read the same way by the gateway.
  const game = GameEnvSchema.safeParse(present);
  const payments = game.success ? parsePaymentEnv(present, game.data.tokenDecimals) : undefined;
  if (!parsed.success || !game.success || !payments || payments.problems.length > 0) {
    throw new ConfigError([
      ...[...(parsed.error?.issues ?? []), ...(game.error?.issues ?? [])].map(
        (issue) => `${issue.path.join('.') || 'env'}: ${issue.message}`,
      ),
      ...(payments?.problems ?? []),
    ]);
  }
  const e = parsed.data;
  const region = e.AWS_REGION ?? e.AWS_DEFAULT_REGION;
  // With neither an endpoint nor a region there is no AWS to talk to: print EMF for awslogs.
  const sink =
    e.METRICS_SINK === 'auto'
      ? e.AWS_ENDPOINT_URL || region
        ? 'cloudwatch'
        : 'emf'
      : e.METRICS_SINK;
  const schedules = Object.fromEntries(
    WORKER_JOB_NAMES.map((job) => [job, e[SCHEDULE_ENV[job] as keyof typeof e] as JobSchedule]),
  ) as Record<WorkerJobName, JobSchedule>;
  const lifecycleSchedules = Object.fromEntries(
    JOB_NAMES.map((job) => [job, schedules[job]]),
  ) as Record<JobName, JobSchedule>;
  return {
    databaseUrl: e.DATABASE_URL,
    settings: {
      sessionIdleMs: e.SESSION_IDLE,
      threadIdleMs: e.THREAD_IDLE,
      poolLoadThreshold: e.POOL_LOAD_THRESHOLD,
      schedules: lifecycleSchedules,
    },
    schedules,
    gameRules: game.data,
    payments: payments.config,
    batchSize: e.CLEANUP_BATCH_SIZE,
    healthTimeoutMs: e.HEALTH_TIMEOUT_MS,
    opsToken: e.OPS_TOKEN,
    gatewayLiveWindowMs: e.GATEWAY_LIVE_WINDOW_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    metrics: {
      sink,
      namespace: e.METRICS_NAMESPACE,
      region: region ?? (e.AWS_ENDPOINT_URL ? 'us-east-1' : undefined),
      endpoint: e.AWS_ENDPOINT_URL,
      currencies: e.PAYMENT_CURRENCIES ?? (payments.config.enabled ? [payments.config.mint] : []),
    },
    workerId: e.WORKER_ID,
    logLevel: e.LOG_LEVEL,
  };
}
